# ruff: noqa: RUF001 - Chinese demo texts use Chinese punctuation
"""Demo data: standards for the demo categories and products for merchants A and B,
including titles the claim scanner flags (plain, evasive and possibly lawful ones)."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from core.models import Category
from merchants.models import Merchant
from products import services
from products.models import ClaimFlag, Product, QualityStandard

# category code: (standard code, zh, en, [requirements]); a requirement is
# (code, description, kind, unit, min, max, test method, severity)
STANDARDS = {
    "food": (
        "food-general",
        "预包装食品通用质量要求",
        "Pre-packaged food: general quality",
        [
            (
                "LABEL",
                "标签信息完整（名称、配料、生产者、日期、保质期）",
                "pass_fail",
                "",
                None,
                None,
                "GB 7718",
                "major",
            ),
            ("NET", "净含量短缺量", "measured", "%", None, "4.5", "JJF 1070", "major"),
            ("MOIST", "水分", "measured", "g/100g", None, "14.5", "GB 5009.3", "major"),
            ("PB", "铅（以 Pb 计）", "measured", "mg/kg", None, "0.2", "GB 5009.12", "critical"),
        ],
    ),
    "fresh": (
        "fresh-produce",
        "生鲜农产品质量要求",
        "Fresh produce quality",
        [
            (
                "PEST",
                "农药残留不超过 GB 2763 限量",
                "pass_fail",
                "",
                None,
                None,
                "GB 2763",
                "critical",
            ),
            ("TEMP", "到货中心温度", "measured", "°C", "0", "8", "探针测温", "major"),
            ("ROT", "腐烂果比例", "measured", "%", None, "3", "目测计数", "minor"),
        ],
    ),
    "electronics": (
        "electronics-safety",
        "数码家电安全与性能要求",
        "Electronics: safety and performance",
        [
            (
                "CCC",
                "具有有效的 CCC 认证标志",
                "pass_fail",
                "",
                None,
                None,
                "CNCA 实施规则",
                "critical",
            ),
            ("SAFETY", "电气安全", "pass_fail", "", None, None, "GB 4943.1", "critical"),
            ("STANDBY", "待机功率", "measured", "W", None, "0.5", "GB/T 35758", "minor"),
        ],
    ),
}

# (standard code, requirement code): the requirement's description in English
REQUIREMENTS_EN = {
    ("food-general", "LABEL"): "Label complete (name, ingredients, producer, date, shelf life)",
    ("food-general", "NET"): "Net content shortfall",
    ("food-general", "MOIST"): "Moisture",
    ("food-general", "PB"): "Lead (as Pb)",
    ("fresh-produce", "PEST"): "Pesticide residues within the GB 2763 limits",
    ("fresh-produce", "TEMP"): "Core temperature on arrival",
    ("fresh-produce", "ROT"): "Share of rotten fruit",
    ("electronics-safety", "CCC"): "Valid CCC certification mark",
    ("electronics-safety", "SAFETY"): "Electrical safety",
    ("electronics-safety", "STANDBY"): "Standby power",
}

PRODUCTS = {
    "merchant_a": [
        (
            "A-RICE-10",
            "fresh",
            "全网最低价 五常大米 10斤装 今年新米",
            "东北黑土地种植，一年一季。",
            "59.90",
        ),
        ("A-TEA-01", "food", "顶级 安溪铁观音 礼盒装 500g", "清香型，适合送礼。", "268.00"),
        ("A-BEEF-02", "snacks", "本店销量第一 内蒙古风干牛肉干 250g", "手撕风干，原味。", "79.00"),
        (
            "A-SUGAR-03",
            "food",
            "国家级非物质文化遗产 古法手工红糖 400g",
            "甘蔗熬制，无添加。",
            "39.00",
        ),
        (
            "A-GRAPE-04",
            "fresh",
            "阳光玫瑰青提 2斤装 顺丰冷链",
            "开封后最佳赏味期为3天，请冷藏。",
            "49.90",
        ),
        (
            "A-COOKIE-05",
            "snacks",
            "手工黄油曲奇 400g 罐装",
            "第一次吃就会爱上的酥松口感。",
            "45.00",
        ),
    ],
    "merchant_b": [
        ("B-EAR-01", "electronics", "No.1 主动降噪蓝牙耳机 40小时续航", "Hi-Res 认证。", "399.00"),
        ("B-PHONE-02", "phones", "最 佳 拍照手机 8+256G 5G全网通", "一亿像素主摄。", "2999.00"),
        (
            "B-BRUSH-03",
            "small-appliances",
            "Ultimate™ 声波电动牙刷 5档模式",
            "Ultimate 为本公司注册商标。",
            "199.00",
        ),
        (
            "B-FRY-04",
            "small-appliances",
            "空气炸锅 5L 可视窗口",
            "最大功率1500W，定时60分钟。",
            "329.00",
        ),
        ("B-CABLE-05", "electronics", "USB-C 编织数据线 1m 100W快充", "支持 PD 协议。", "29.90"),
    ],
}


def _seed_standards(qm, log) -> None:
    for category_code, (code, zh, en, requirements) in STANDARDS.items():
        category = Category.objects.filter(code=category_code).first()
        if category is None or QualityStandard.objects.filter(category=category).exists():
            continue
        standard = services.create_standard(
            category=category, code=code, name_zh=zh, name_en=en, by=qm
        )
        draft = standard.versions.get()
        for position, (rcode, text, kind, unit, low, high, method, severity) in enumerate(
            requirements
        ):
            services.save_requirement(
                version=draft,
                code=rcode,
                description=text,
                description_en=REQUIREMENTS_EN.get((code, rcode), ""),
                kind=kind,
                unit=unit,
                min_value=Decimal(low) if low else None,
                max_value=Decimal(high) if high else None,
                test_method=method,
                severity=severity,
                position=position,
            )
        services.publish_version(version=draft, by=qm)
        log(f"  standard {code} v1 published")
    food = QualityStandard.objects.filter(code="food-general").first()
    if food is not None and food.versions.count() == 1:
        # A draft v2 tightening moisture shows versioning in the admin.
        v2 = services.new_version(standard=food, by=qm, note="水分限值收紧至 13.5")
        moisture = v2.requirements.get(code="MOIST")
        services.save_requirement(version=v2, requirement=moisture, max_value=Decimal("13.5"))


def _seed_products(qm, log) -> None:
    User = get_user_model()
    for login, rows in PRODUCTS.items():
        owner = User.objects.filter(username=login).select_related("membership").first()
        if owner is None or not hasattr(owner, "membership"):
            continue
        merchant: Merchant = owner.membership.merchant
        for sku, category_code, title, description, price in rows:
            if Product.objects.filter(merchant=merchant, sku=sku).exists():
                continue
            category = Category.objects.get(code=category_code)
            services.create_product(
                merchant=merchant,
                category=category,
                sku=sku,
                title=title,
                description=description,
                price=price,
                by=owner,
            )
        log(f"  {login}: {merchant.products.count()} products")
    # Two decided flags, so the queue and the portal show both outcomes.
    evasive = ClaimFlag.objects.filter(
        product__sku="B-PHONE-02", status=ClaimFlag.Status.OPEN
    ).values_list("pk", flat=True)
    if evasive:
        services.restrict_for_claims(
            flag_ids=list(evasive), by=qm, reason="“最 佳”以空格规避，属绝对化用语。"
        )
    heritage = ClaimFlag.objects.filter(
        product__sku="A-SUGAR-03", status=ClaimFlag.Status.OPEN
    ).values_list("pk", flat=True)
    if heritage:
        services.clear_flags(
            flag_ids=list(heritage), by=qm, reason="国家级非遗名录编号已核验，属官方认定称号。"
        )


@transaction.atomic
def seed(log):
    qm = get_user_model().objects.filter(username="qm").first()
    _seed_standards(qm, log)
    _seed_products(qm, log)
