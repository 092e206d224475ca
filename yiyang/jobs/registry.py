"""Which function runs a job of each kind. Apps register their handlers at import
of their `jobs.py` (imported by JobsConfig.ready for every installed app)."""

from collections.abc import Callable

HANDLERS: dict[str, Callable] = {}


def handler(kind: str):
    """@handler("ledger_validate") def validate(ctx: JobContext): ..."""

    def register(function: Callable) -> Callable:
        if kind in HANDLERS and HANDLERS[kind] is not function:
            raise ValueError(f"a job handler for {kind!r} is already registered")
        HANDLERS[kind] = function
        return function

    return register
