"""Numbers with scale words and money with currencies, as Indian, US and European news write them.

"200 million" is 2e8, "130 crore" is 1.3e9, "Rs 43,574 crore" is 4.3574e11 rupees; values in other
currencies are converted to USD with the yearly average rate of the report's year (a dated table shipped
in `newsintel/data/fx_rates.csv`), and the original amount and currency are kept beside it.
"""
from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

SCALES = {"thousand": 1e3, "k": 1e3, "lakh": 1e5, "lakhs": 1e5, "lac": 1e5, "million": 1e6, "mn": 1e6, "m": 1e6,
          "crore": 1e7, "crores": 1e7, "cr": 1e7, "billion": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12}
_SCALE = r"(thousand|lakhs?|lac|million|mn|crores?|cr|billion|bn|trillion|tn|[kmb])\b\.?"
_NUM = r"(\d{1,3}(?:,\d{2,3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_CURRENCY_BEFORE = {"$": "USD", "US$": "USD", "USD": "USD", "Rs": "INR", "Rs.": "INR", "INR": "INR", "₹": "INR",
                    "€": "EUR", "EUR": "EUR", "£": "GBP", "GBP": "GBP", "¥": "CNY", "CNY": "CNY", "RMB": "CNY",
                    "C$": "CAD", "A$": "AUD", "S$": "SGD", "HK$": "HKD", "₩": "KRW", "PKR": "PKR", "₦": "NGN"}
_CURRENCY_AFTER = {"dollars": "USD", "rupees": "INR", "euros": "EUR", "pounds": "GBP", "yuan": "CNY",
                   "renminbi": "CNY", "yen": "JPY", "won": "KRW", "naira": "NGN"}
_BEFORE_ALT = "|".join(re.escape(c) for c in sorted(_CURRENCY_BEFORE, key=len, reverse=True))
_MONEY_BEFORE = re.compile(rf"(?<![\w])({_BEFORE_ALT})\s?{_NUM}(?:\s*{_SCALE})?")
_MONEY_AFTER = re.compile(rf"(?<![\w$₹€£¥]){_NUM}(?:\s*{_SCALE})?\s+(?:(?:US|U\.S\.|Indian|Pakistani)\s+)?"
                          rf"({'|'.join(_CURRENCY_AFTER)})\b")
_QUANTITY = re.compile(rf"(?<![\w$₹€£¥.]){_NUM}(?:\s*{_SCALE}|(?=\s))")


@dataclass(frozen=True)
class Money:
    amount: float
    currency: str
    start: int
    end: int
    surface: str


def to_number(num: str, scale: str | None) -> float:
    value = float(num.replace(",", ""))
    if scale:
        value *= SCALES[scale.lower().rstrip(".")]
    return value


def find_money(text: str) -> list[Money]:
    found = []
    for m in _MONEY_BEFORE.finditer(text):
        found.append(Money(to_number(m.group(2), m.group(3)), _CURRENCY_BEFORE[m.group(1)], m.start(), m.end(),
                           m.group(0)))
    for m in _MONEY_AFTER.finditer(text):
        if not any(f.start <= m.start() < f.end for f in found):
            found.append(Money(to_number(m.group(1), m.group(2)), _CURRENCY_AFTER[m.group(3).lower()],
                               m.start(), m.end(), m.group(0)))
    return sorted(found, key=lambda x: x.start)


def find_quantities(text: str) -> list[tuple[float, int, int]]:
    """Bare numbers with optional scale words: (value, start, end)."""
    out = []
    for m in _QUANTITY.finditer(text):
        out.append((to_number(m.group(1), m.group(2)), m.start(), m.end()))
    return out


@functools.lru_cache(maxsize=1)
def _rates() -> dict[str, dict[int, float]]:
    path = Path(__file__).resolve().parent.parent / "data" / "fx_rates.csv"
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    table: dict[str, dict[int, float]] = {}
    for row in csv.DictReader(lines):
        cur = row.pop("currency")
        table[cur] = {int(y): float(v) for y, v in row.items() if v}
    return table


def to_usd(amount: float, currency: str, year: int | None) -> float | None:
    """USD at the yearly average rate; None for a currency the table lacks."""
    per_usd = _rates().get(currency)
    if not per_usd:
        return None
    years = sorted(per_usd)
    y = min(max(year or years[-1], years[0]), years[-1])
    return round(amount / per_usd[y], 2)
