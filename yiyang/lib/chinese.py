"""Chinese text helpers for search: name n-grams and pinyin initials."""

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


def name_grams(name: str) -> str:
    """The name's single characters and bigrams, space-separated.

    Chinese names are 2-3 characters, too short for trigram indexes, so the name
    search indexes bigrams (see PERFORMANCE-NOTES.md) plus unigrams for one-character
    queries.
    """
    chars = [c for c in name if not c.isspace()]
    grams = list(dict.fromkeys(chars))
    grams += list(dict.fromkeys(a + b for a, b in zip(chars, chars[1:], strict=False)))
    return " ".join(grams)


def query_grams(term: str) -> list[str]:
    """The grams a search term must all contain: bigrams, or one unigram."""
    chars = [c for c in term if not c.isspace()]
    if len(chars) <= 1:
        return chars
    return list(dict.fromkeys(a + b for a, b in zip(chars, chars[1:], strict=False)))


@lru_cache(maxsize=4096)
def _initial(char: str) -> str:
    letters = lazy_pinyin(char, style=Style.FIRST_LETTER, errors="ignore")
    return letters[0][:1].lower() if letters else ""


def pinyin_initials(name: str) -> str:
    """王秀英 -> wxy."""
    return "".join(_initial(c) for c in name if not c.isspace())


def is_pinyin_query(term: str) -> bool:
    return term.isascii() and term.isalpha()
