"""Distances between positions (WGS-84 degrees), for check-in and provider suggestion."""

import math

EARTH_RADIUS_M = 6_371_000


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def valid_position(lat, lng) -> bool:
    return lat is not None and lng is not None and -90 <= lat <= 90 and -180 <= lng <= 180


def map_link(lat: float, lng: float, name: str = "") -> str:
    """A link that opens the position in Amap (高德地图) on a phone or in a browser."""
    return f"https://uri.amap.com/marker?position={lng:.6f},{lat:.6f}&name={name}&coordinate=wgs84"
