# ruff: noqa: RUF001 - full-width and CJK punctuation are the subject here
"""Labelled titles and descriptions for the ad-claim matcher (products/claims.py).

Each case: the text, whether it must be flagged for review (it contains an absolute claim
under Advertising Law art. 9(3), lawful or not), and the lawful-use hint expected on the
flag ("" when none). Texts are written to look like real listings on a Chinese
marketplace, including the evasions merchants use and the phrases that merely look like
claims. `bench/claims_precision.py` prints the matcher's precision and recall on them.
"""

from typing import NamedTuple


class Case(NamedTuple):
    text: str
    flag: bool
    exemption: str = ""


CORPUS: list[Case] = [
    # --- plain claims (zh) ---
    Case("2024新款 国家级大师手工制作 紫砂壶 原矿朱泥", True),
    Case("全网最低价！正宗五常大米10斤装 今年新米", True),
    Case("销量第一 网红螺蛳粉 广西柳州特产 5包装", True),
    Case("顶级和牛 澳洲M9雪花牛排 冷冻 200g*5片", True),
    Case("极品金骏眉红茶 武夷山桐木关 礼盒装500g", True),
    Case("本品是市场上唯一通过欧盟认证的儿童安全座椅", True),
    Case("绝对正品 假一赔十 专柜同款口红", True),
    Case("宝宝辅食首选 有机米粉 高铁配方 6个月+", True),
    Case("史上最强降噪耳机 主动降噪 40小时续航", True),
    Case("最好用的空气炸锅 无油低脂 5L大容量", True),
    Case("100%有效 祛痘精华 7天见效", True),
    Case("世界级工艺 意大利进口真皮沙发", True),
    Case("最先进的第五代扫地机器人 激光导航", True),
    Case("行业独一无二的专利设计 人体工学椅", True),
    Case("万能清洁剂 厨房油污一喷就净", True),
    Case("最受欢迎的儿童绘本 套装共10册", True),
    Case("国家免检产品 纯牛奶 250ml*24盒", True),
    # --- evasions: spacing, punctuation, full-width, case, zero-width ---
    Case("最 佳 口 感 新疆阿克苏冰糖心苹果 5斤", True),
    Case("最-佳护眼台灯 国AA级照度 学生书桌", True),
    Case("第*一品牌 智能马桶盖 即热式", True),
    Case("顶 级 羊绒大衣 双面呢 女款", True),
    Case("ＮＯ．１ 热销 无线蓝牙耳机 超长待机", True),
    Case("ｂｅｓｔ ｓｅｌｌｅｒ 加厚保温杯 316不锈钢", True),
    Case("Ｎo.1 bestselling massage gun", True),
    Case("销量\u200b第\u200b一的面膜 补水保湿 10片", True),
    Case("极·品大红袍 岩茶 浓香型 250g", True),
    Case("１００％纯天然 无添加 蜂蜜 500g", True),
    Case("全网最~低价 限时秒杀 电动牙刷", True),
    Case("国 家 级 非 遗 技艺 手工红糖", True, "official_grade"),
    # --- plain claims (en) ---
    Case("The best wireless earbuds of 2024 - 40h battery, ANC", True),
    Case("World's best coffee beans, single origin, freshly roasted", True),
    Case("No.1 rated robot vacuum with self-emptying base", True),
    Case("Number one choice of professional chefs: 8-inch chef knife", True),
    Case("Top-rated standing desk, electric, dual motor", True),
    Case("Lowest price guaranteed on this 4K TV", True),
    Case("The ultimate hiking backpack, 45L, waterproof", True),
    Case("#1 best seller in Kitchen & Dining", True),
    Case("Unbeatable comfort memory foam pillow", True),
    Case("100% effective mosquito repellent for kids", True),
    # --- lawful uses: still flagged, with a hint ---
    Case("顶级®系列 保温杯 500ml（“顶级”为本公司注册商标）", True, "trademark"),
    Case("第一坊™ 手工挂面 1kg", True, "trademark"),
    Case("极品牌 东北大米 珍珠米 10kg", True, "trademark"),
    Case("UltimateEars™ 同款 — Ultimate™ portable speaker", True, "trademark"),
    Case("Best™ Kitchen knife block set", True, "trademark"),
    Case("国家级非物质文化遗产 景德镇手工青花瓷碗", True, "official_grade"),
    Case("国家级专精特新企业出品 工业级路由器", True, "official_grade"),
    Case("第一类医疗器械 医用冷敷贴 备案号见详情", True, "official_grade"),
    Case("新能效第一级 变频空调 1.5匹 国家能效标识", True, "official_grade"),
    Case("本店销量第一的爆款卫衣 加绒加厚", True, "own_range"),
    Case("这是我们家最好卖的一款茶具 店内人气款", True, "own_range"),
    Case("Our best-selling blender, now in a new colour", True, "own_range"),
    Case("The lightest model in our range: 980 g carbon frame", False),
    Case("The best blender in our range for frozen fruit", True, "own_range"),
    Case("荣获“中国十大最佳茶叶品牌”奖 安溪铁观音", True, "quoted_award"),
    Case("2023年获评『最受欢迎国货』称号 老字号酱油", True, "quoted_award"),
    Case('Winner of the "Best New Product" award at CES 2024', True, "quoted_award"),
    # --- look like claims but are not ---
    Case("第一次买就回购了 宝宝很喜欢 软糯香甜的米饼", False),
    Case("下单后第一时间发货 顺丰包邮 新鲜荔枝", False),
    Case("第一代升级款 更静音 桌面小风扇", False),
    Case("开封后最佳赏味期为7天 请冷藏保存", False),
    Case("最佳食用期：出厂后30天内 手工月饼", False),
    Case("最大功率2000W 吹风机 负离子护发", False),
    Case("最高温度可达230℃ 卷发棒 陶瓷釉面", False),
    Case("最低起订量10件 企业定制 文化衫", False),
    Case("100%纯棉 儿童T恤 A类婴幼儿标准", False),
    Case("面料成分：100%桑蚕丝 真丝睡衣", False),
    Case("每件商品有唯一码 可扫码查询真伪", False),
    Case("Best before: see date on the lid. Keep refrigerated.", False),
    Case("For best results, apply to clean, dry skin twice a day", False),
    Case("Shirt made of 100% cotton, machine washable at 30°C", False),
    Case("Gift for your best friend: engraved wooden keychain", False),
    Case("First-day cover stamp collection, mint condition", False),
    Case("Model No.12 replacement filter for HEPA purifiers", False),
    Case("开箱第一眼就爱上了 颜值很高的收纳盒", False),
    Case("春茶第一批 明前龙井 2024新茶 250g", False),
    Case("最大化利用空间 折叠收纳凳", False),
    Case("开封后最好在3天内食用完毕", False),
    Case("Stainless steel bottle, 1000 ml, leak-proof lid", False),
    Case("新疆长绒棉四件套 1.8m床 简约条纹", False),
    Case("适合第一次养猫的新手 猫砂盆套装", False),
    # --- known limits, kept so the figures stay honest ---
    Case("醉佳口感 手工牛轧糖 软糯不粘牙", True),  # homophone evasion of 最佳
    Case("天下第1 香辣牛肉酱 拌饭神器", True),
    Case("TOP 1 爆款 冰丝凉席三件套", True),
    Case("这是店主买的第一个空气炸锅 分享使用心得", False),
    Case("1000% more fun with this kids' kite? Just kidding — a sturdy kite.", False),
]
