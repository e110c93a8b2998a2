"""Ningxia's court codes as they appear in case numbers (案号), SPC rules of 2016 (amended 2018).

宁 is the high court, 宁01..宁05 the intermediate courts, 宁XXYY the basic courts by the four digits of
their county's region code. Data, not logic: correct an entry here and every user follows.
"""

from __future__ import annotations

#: Province abbreviation that starts every Ningxia court code.
PROVINCE_ABBREVIATION = "宁"

#: The railway transport court's code. [check] Specialised courts take codes outside the region-code
#: range; 宁8601 is the form used for Ningxia's railway transport court in published case numbers.
RAILWAY_COURT_CODE = "宁8601"

HIGH_COURT = {"宁": "宁夏回族自治区高级人民法院"}

INTERMEDIATE_COURTS = {
    "宁01": "银川市中级人民法院",
    "宁02": "石嘴山市中级人民法院",
    "宁03": "吴忠市中级人民法院",
    "宁04": "固原市中级人民法院",
    "宁05": "中卫市中级人民法院",
}

BASIC_COURTS = {
    "宁0104": "银川市兴庆区人民法院",
    "宁0105": "银川市西夏区人民法院",
    "宁0106": "银川市金凤区人民法院",
    "宁0121": "永宁县人民法院",
    "宁0122": "贺兰县人民法院",
    "宁0181": "灵武市人民法院",
    "宁0202": "石嘴山市大武口区人民法院",
    "宁0205": "石嘴山市惠农区人民法院",
    "宁0221": "平罗县人民法院",
    "宁0302": "吴忠市利通区人民法院",
    "宁0303": "吴忠市红寺堡区人民法院",
    "宁0323": "盐池县人民法院",
    "宁0324": "同心县人民法院",
    "宁0381": "青铜峡市人民法院",
    "宁0402": "固原市原州区人民法院",
    "宁0422": "西吉县人民法院",
    "宁0423": "隆德县人民法院",
    "宁0424": "泾源县人民法院",
    "宁0425": "彭阳县人民法院",
    "宁0502": "中卫市沙坡头区人民法院",
    "宁0521": "中宁县人民法院",
    "宁0522": "海原县人民法院",
}

SPECIALISED_COURTS = {RAILWAY_COURT_CODE: "银川铁路运输法院"}

#: Every Ningxia court code → court name.
COURTS: dict[str, str] = {**HIGH_COURT, **INTERMEDIATE_COURTS, **BASIC_COURTS, **SPECIALISED_COURTS}


def court_level(code: str) -> str:
    """Return ``high``, ``intermediate``, ``basic`` or ``specialised`` for a known court code.

    >>> court_level("宁0104")
    'basic'
    """
    if code in HIGH_COURT:
        return "high"
    if code in INTERMEDIATE_COURTS:
        return "intermediate"
    if code in BASIC_COURTS:
        return "basic"
    if code in SPECIALISED_COURTS:
        return "specialised"
    raise KeyError(f"unknown Ningxia court code {code!r}")
