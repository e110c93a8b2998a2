"""Realism tables of the synthetic case system: weights, shares and texts, data and no logic.

Why a module of its own: these numbers and words are what makes the generated cases look like
Ningxia's, and they are corrected by people who know the courts, not the code. Correct an entry here;
the generator's behaviour (and every seed's output) follows.
"""

from __future__ import annotations

from hub.casesystem.schema import DISHONEST_TRIGGERS

#: Ningxia region codes used in resident IDs, with a rough weight (population).
NINGXIA_REGIONS: dict[str, float] = {
    "640104": 8,  # 兴庆区
    "640105": 4,  # 西夏区
    "640106": 5,  # 金凤区
    "640121": 2.5,  # 永宁县
    "640122": 2.5,  # 贺兰县
    "640181": 3,  # 灵武市
    "640202": 3,  # 大武口区
    "640205": 2,  # 惠农区
    "640221": 3,  # 平罗县
    "640302": 4,  # 利通区
    "640303": 2,  # 红寺堡区
    "640323": 1.7,  # 盐池县
    "640324": 3.3,  # 同心县
    "640381": 2.8,  # 青铜峡市
    "640402": 4.5,  # 原州区
    "640422": 3.5,  # 西吉县
    "640423": 1.5,  # 隆德县
    "640424": 1,  # 泾源县
    "640425": 1.6,  # 彭阳县
    "640502": 4,  # 沙坡头区
    "640521": 3.4,  # 中宁县
    "640522": 3.5,  # 海原县
}

#: Codes retired since (still valid in old numbers): given to people born before RETIRED_BORN_BEFORE.
RETIRED_NINGXIA_REGIONS = ("640102", "640103", "640111", "640203", "642221", "642222", "642223")
RETIRED_BORN_BEFORE = 1985

#: Other provinces' codes for debtors who came from elsewhere (Gansu, Inner Mongolia, Shaanxi, Beijing).
OTHER_REGIONS = ("620102", "620402", "150102", "150302", "610102", "610113", "110105", "410102")

#: Court weights by level: mostly basic courts, some intermediate, few high court or railway court.
LEVEL_WEIGHTS = {"basic": 0.86, "intermediate": 0.12, "high": 0.01, "specialised": 0.01}
BASIC_COURT_WEIGHTS: dict[str, float] = {
    "宁0104": 14,
    "宁0105": 8,
    "宁0106": 10,
    "宁0121": 4,
    "宁0122": 4,
    "宁0181": 4,
    "宁0202": 5,
    "宁0205": 3,
    "宁0221": 4,
    "宁0302": 6,
    "宁0303": 1.5,
    "宁0323": 2,
    "宁0324": 2.5,
    "宁0381": 3,
    "宁0402": 5,
    "宁0422": 2.5,
    "宁0423": 1.5,
    "宁0424": 1,
    "宁0425": 1.5,
    "宁0502": 5,
    "宁0521": 3.5,
    "宁0522": 2.5,
}
INTERMEDIATE_COURT_WEIGHTS = {"宁01": 40, "宁02": 15, "宁03": 20, "宁04": 12, "宁05": 13}

#: Enforcement case type codes: mostly 执 (first enforcement), some 执恢 (resumed enforcement).
CASE_TYPE_WEIGHTS = {"执": 0.9, "执恢": 0.1}
CASE_STATUS_WEIGHTS = {"OPEN": 0.33, "CLOSED_NO_ASSETS": 0.46, "CONCLUDED": 0.15, "RESUMED": 0.06}

#: Dishonest-list trigger weights (trigger 1, able but refusing, dominates in practice).
TRIGGER_WEIGHTS = {1: 0.78, 2: 0.02, 3: 0.04, 4: 0.11, 5: 0.03, 6: 0.02}
#: Specific conduct texts per trigger (失信被执行人具体情形).
CONDUCTS: dict[int, tuple[str, ...]] = {
    1: (DISHONEST_TRIGGERS[1],),
    2: ("以伪造证据方法妨碍、抗拒执行", "以暴力、威胁方法妨碍、抗拒执行"),
    3: ("以隐匿、转移财产等方法规避执行", "以虚假诉讼方法规避执行", "以虚假仲裁方法规避执行"),
    4: (DISHONEST_TRIGGERS[4],),
    5: (DISHONEST_TRIGGERS[5],),
    6: (DISHONEST_TRIGGERS[6],),
}
PERFORMANCE_STATUSES = ("全部未履行", "部分履行")

SHIELD_REASONS = (
    "被执行人已履行全部义务",
    "执行和解协议已履行完毕",
    "申请执行人申请删除，经人民法院审查同意",
    "人民法院依法裁定终结执行",
)
REVOKE_REASONS = ("不符合纳入条件，依职权撤销", "被执行人申请纠正，经审查理由成立")
EXPIRE_REASON = "失信期限届满"

#: Listing periods: triggers 2-6 last two years (法释〔2017〕7号 art. 2); grace periods are 1-3 months.
LISTING_YEARS = 2
GRACE_DAYS = (30, 60, 90)

#: Shares that shape the population.
P_PERSON = 0.72
P_MALE = 0.78
P_LISTED = 0.85
P_RESTRICTED = 0.85
P_PARTY_MEMBER = 0.04
P_PUBLIC_SERVANT = 0.025
P_MILITARY_CASE = 0.015
P_REPEAT_DEBTOR = 0.03
P_OTHER_PROVINCE = 0.07
P_RETIRED_CODE = 0.05
P_LOCAL_REGION = 0.6
DEBTORS_PER_CASE = {1: 0.85, 2: 0.12, 3: 0.03}

BUREAUS = (
    "教育局",
    "自然资源局",
    "住房和城乡建设局",
    "农业农村局",
    "交通运输局",
    "市场监督管理局",
    "卫生健康局",
    "财政局",
    "人力资源和社会保障局",
    "水务局",
    "民政局",
    "人民政府办公室",
)
INDUSTRIES = (
    "商贸",
    "建设工程",
    "房地产开发",
    "农业科技",
    "物流",
    "餐饮管理",
    "矿业",
    "化工",
    "新型建材",
    "装饰工程",
    "劳务",
    "畜牧",
    "枸杞",
    "葡萄酒业",
    "能源",
    "汽车销售",
    "物业服务",
    "煤炭运销",
    "电子",
    "文化传媒",
)
ORG_PLACES = ("宁夏", "宁夏", "银川", "石嘴山", "吴忠", "固原", "中卫")
ORG_SUFFIXES = {"有限公司": 0.7, "有限责任公司": 0.2, "股份有限公司": 0.05, "集团有限公司": 0.05}
SHOPS = ("便利店", "建材店", "餐馆", "汽车修理部", "五金店", "农资店", "服装店", "家具店")
COOPS = ("枸杞种植", "马铃薯种植", "葡萄种植", "滩羊养殖", "肉牛养殖", "硒砂瓜种植")
#: Unified social credit code prefixes (registering authority + entity type): 91 enterprise,
#: 92 individual business (个体工商户), 93 farmers' cooperative (农民专业合作社).
USCC_PREFIX_WEIGHTS = {"91": 0.88, "92": 0.08, "93": 0.04}
ARBITRATION = {"宁01": "银川仲裁委员会", "宁02": "石嘴山仲裁委员会", "宁03": "吴忠仲裁委员会"}
OBLIGATIONS = (
    "偿还借款本金人民币{a}元及相应利息",
    "支付货款人民币{a}元",
    "支付工程款人民币{a}元及逾期付款违约金",
    "支付劳动报酬人民币{a}元",
    "赔偿经济损失人民币{a}元",
    "支付信用卡透支本息人民币{a}元",
    "返还购房款人民币{a}元",
    "支付租金人民币{a}元",
)
CRIMINAL_OBLIGATIONS = ("缴纳罚金人民币{a}元", "退赔被害人经济损失人民币{a}元")
CN_ORDINALS = "一二三四五六七八九十"
