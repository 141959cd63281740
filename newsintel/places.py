"""Markets as places: the EU's code, world regions, demonyms and display names, shared by every stage.

Reference data the extraction rules read (`extract/markets.py`, `authorities.py`, `companies.py`, `roles.py`)
and that resolution and the briefing show (`resolve/entities.py`): it lives below the stages so no stage
imports another for it. The extractor's version digest counts this file, so an edit re-extracts the archive.
"""
from __future__ import annotations

import pycountry

EU = "EU"
# Places that are no country ("Latin America") and so no market, and never an organisation either.
REGIONS = {"Europe", "Asia", "Africa", "America", "Americas", "Latin America", "Middle East", "Southeast Asia",
           "South America", "North America", "Central America", "East Asia", "Asia Pacific", "Asia-Pacific",
           "Gulf", "Southeast Asian", "Scandinavia", "Caribbean", "Oceania", "Eurasia", "Balkans", "Arctic"}
# Demonyms and the market each names ("Indian regulators"), read before words of state or market.
DEMONYMS = {
    "American": "US", "Indian": "IN", "Chinese": "CN", "British": "GB", "Pakistani": "PK", "Nigerian": "NG",
    "Japanese": "JP", "South Korean": "KR", "Korean": "KR", "Russian": "RU", "German": "DE", "French": "FR",
    "Australian": "AU", "Canadian": "CA", "Taiwanese": "TW", "European": EU, "Bangladeshi": "BD",
    "Indonesian": "ID", "Vietnamese": "VN", "Brazilian": "BR", "Turkish": "TR", "Iranian": "IR", "Dutch": "NL",
    "Italian": "IT", "Spanish": "ES", "Israeli": "IL", "Saudi": "SA", "Emirati": "AE", "Kenyan": "KE",
    "Welsh": "GB", "Scottish": "GB", "Singaporean": "SG", "Malaysian": "MY", "Thai": "TH", "Philippine": "PH",
    "Mexican": "MX", "Swedish": "SE",
}

_REGIONS = {
    "Asia": "AF AM AZ BD BH BN BT CN CY GE HK ID IL IN IQ IR JO JP KG KH KP KR KW KZ LA LB LK MM MN MO MV MY NP OM "
            "PH PK PS QA SA SG SY TH TJ TL TM TR TW UZ VN YE AE",
    "Europe": "AD AL AT AX BA BE BG BY CH CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI LT LU LV MC MD "
              "ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK EU",
    "Africa": "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR LS LY MA MG ML MR MU MW "
              "MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA ZM ZW",
    "North America": "AG AI AW BB BL BM BQ BS BZ CA CR CU CW DM DO GD GL GP GT HN HT JM KN KY LC MF MQ MS MX NI PA "
                     "PM PR SV SX TC TT US VC VG VI",
    "South America": "AR BO BR CL CO EC FK GF GY PE PY SR UY VE",
    "Oceania": "AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF",
}
REGION_OF = {code: region for region, codes in _REGIONS.items() for code in codes.split()}


def market_name(market_id: str) -> str:
    if market_id == EU:
        return "European Union"
    c = pycountry.countries.get(alpha_2=market_id)
    return getattr(c, "common_name", None) or c.name if c else market_id
