"""Display masks for personal data (DOMAIN.md §7): computed on the server only."""

MASK = "*"


def mask_id_number(value: str) -> str:
    """110101********1234: keep the region, hide the birth date."""
    if not value:
        return ""
    if len(value) < 10:
        return MASK * len(value)
    return value[:6] + MASK * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """138****5678 for a mobile number; landlines keep their last four."""
    if not value:
        return ""
    if len(value) <= 4:
        return MASK * len(value)
    if len(value) == 11:
        return value[:3] + MASK * 4 + value[-4:]
    return MASK * (len(value) - 4) + value[-4:]


def mask_address(value: str) -> str:
    """Keep the first few characters (the place), hide the house."""
    if not value:
        return ""
    keep = min(6, max(1, len(value) // 3))
    return value[:keep] + MASK * 4


def mask_name(value: str) -> str:
    """张* or 张*静."""
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + MASK
    return value[0] + MASK * (len(value) - 2) + value[-1]
