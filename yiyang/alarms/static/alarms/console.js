/* The operator console: a WebSocket for live pushes, a re-sync from the database by
   sequence number on every (re)connect and every few seconds (a dropped push is
   caught there), the alarm queue, and the panel of the chosen alarm. */
(function () {
  "use strict";
  const root = document.getElementById("console");
  if (!root) return;
  const labels = JSON.parse(document.getElementById("type-labels").textContent);
  const text = root.dataset;
  const queue = document.getElementById("queue");
  const stateEl = document.querySelector("[data-testid=ws-state]");
  const banner = document.getElementById("new-banner");
  const alarms = new Map();
  const fresh = new Set();
  const closedSeen = new Set();
  let watermark = 0, socket = null, selected = null, loadedOnce = false, retry = 500;
  let audio = null, soundOn = false;

  function setState(state, label) {
    stateEl.dataset.state = state;
    stateEl.textContent = label;
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + text.wsPath);
    socket.addEventListener("open", function () {
      retry = 500;
      setState("live", text.textLive);
      send({type: "sync"});  // the open queue, in full
    });
    socket.addEventListener("message", function (event) {
      const message = JSON.parse(event.data);
      if (message.type === "alarms") message.alarms.forEach(function (a) { upsert(a, true); });
      else if (message.type === "sync") applySync(message);
      render();
    });
    socket.addEventListener("close", function () {
      setState("offline", text.textOffline);
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 8000);
    });
  }

  function applySync(message) {
    if (message.changes) {
      const missing = message.changes.filter(function (pair) {
        const known = alarms.get(pair[0]);
        return known ? known.seq < pair[1] : !closedSeen.has(pair[0]);
      }).map(function (pair) { return pair[0]; });
      for (let i = 0; i < missing.length; i += 500) send({type: "fetch", ids: missing.slice(i, i + 500)});
    }
    if (message.full) {
      const listed = new Set(message.alarms.map(function (a) { return a.id; }));
      alarms.forEach(function (_a, id) { if (!listed.has(id)) alarms.delete(id); });
    }
    message.alarms.forEach(function (a) { upsert(a, loadedOnce); });
    if (message.watermark !== undefined) watermark = Math.max(watermark, message.watermark);
    loadedOnce = true;
  }

  function upsert(alarm, announce) {
    const known = alarms.get(alarm.id);
    if (known && known.seq >= alarm.seq) return;
    if (alarm.status === "closed") { alarms.delete(alarm.id); closedSeen.add(alarm.id); }
    else alarms.set(alarm.id, alarm);
    if (!known && alarm.status !== "closed" && announce) announceNew(alarm.id);
    if (selected === alarm.id && known) loadTimeline(alarm.id);
  }

  function announceNew(id) {
    fresh.add(id);
    banner.hidden = false;
    setTimeout(function () { fresh.delete(id); banner.hidden = fresh.size === 0; render(); }, 4000);
    beep();
  }

  function beep() {
    if (!soundOn || !audio) return;
    const osc = audio.createOscillator(), gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.2;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.35);
  }

  function ordered() {
    return Array.from(alarms.values()).sort(function (a, b) {
      return a.priority - b.priority || a.raised_at.localeCompare(b.raised_at) || a.id - b.id;
    });
  }

  function waited(alarm) {
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(alarm.raised_at)) / 1000));
    return Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  }

  function item(alarm) {
    const li = document.createElement("li");
    li.className = "yy-alarm p" + alarm.priority + " s-" + alarm.status +
      (fresh.has(alarm.id) ? " yy-flash" : "") + (selected === alarm.id ? " selected" : "");
    li.dataset.testid = "alarm-item";
    li.dataset.id = alarm.id;
    li.dataset.status = alarm.status;
    li.tabIndex = 0;
    const head = document.createElement("div");
    head.className = "yy-alarm-line";
    const type = document.createElement("strong");
    type.textContent = labels[alarm.type] || alarm.type;
    const time = document.createElement("span");
    time.className = "yy-alarm-time";
    time.textContent = waited(alarm);
    head.append(type, time);
    const who = document.createElement("div");
    who.textContent = alarm.elder + " · " + alarm.place + (alarm.events > 1 ? " · " + alarm.events + " " + text.textEvents : "");
    const status = document.createElement("div");
    status.className = "yy-alarm-status";
    status.textContent = (alarm.status === "open" ? text.textOpen : text.textAcknowledged + " · " + alarm.acknowledged_by) +
      (alarm.responder ? " · " + alarm.responder + " " + (alarm.responder_state === "arrived" ? text.textArrived : text.textOnTheWay) : "");
    li.append(head, who, status);
    return li;
  }

  function render() {
    const list = ordered();
    queue.replaceChildren.apply(queue, list.map(item));
    document.getElementById("queue-count").textContent = String(list.length);
    document.getElementById("queue-empty").hidden = list.length > 0;
  }

  function urlFor(template, id) { return template.replace("/0/", "/" + id + "/"); }

  // A slower, older answer must not overwrite a newer one (e.g. a timeline fetched on a
  // push landing after the answer to the operator's own action): last request wins.
  const tickets = {};
  function place(target, response) {
    const ticket = tickets[target] = (tickets[target] || 0) + 1;
    return response.then(function (html) {
      if (ticket === tickets[target]) document.getElementById(target).innerHTML = html;
    });
  }

  function load(target, url) {
    return place(target, fetch(url, {credentials: "same-origin"}).then(function (r) {
      return r.ok ? r.text() : "";
    }));
  }

  function loadTimeline(id) { return load("timeline", urlFor(text.timelineUrl, id)); }

  function select(id) {
    selected = id;
    document.getElementById("panel-hint").hidden = true;
    load("card", urlFor(text.cardUrl, id));
    loadTimeline(id);
    render();
  }

  queue.addEventListener("click", function (event) {
    const li = event.target.closest("[data-testid=alarm-item]");
    if (li) select(Number(li.dataset.id));
  });
  queue.addEventListener("keydown", function (event) {
    const li = event.target.closest("[data-testid=alarm-item]");
    if (li && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); select(Number(li.dataset.id)); }
  });

  document.getElementById("timeline").addEventListener("submit", function (event) {
    const form = event.target;
    event.preventDefault();
    place("timeline", fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin"})
      .then(function (r) { return r.text(); }))
      .then(function () { send({type: "sync", since: watermark}); });
  });

  document.getElementById("sound-toggle").addEventListener("click", function (event) {
    soundOn = !soundOn;
    if (soundOn && !audio) audio = new (window.AudioContext || window.webkitAudioContext)();
    event.currentTarget.setAttribute("aria-pressed", String(soundOn));
    event.currentTarget.textContent = soundOn ? text.textSoundOn : text.textSoundOff;
    if (soundOn) beep();
  });

  setInterval(function () { send({type: "sync", since: watermark}); }, Number(text.resyncMs) || 3000);
  setInterval(render, 1000);
  connect();
})();
