/*
 * gen_data.c - the vocabulary of the generator: Chinese names with pinyin,
 * the departments of Hengxin Fund Management, counterparties, fund products,
 * stocks, and the subject and sentence templates of each business topic in
 * simplified Chinese, traditional Chinese, English and Japanese.
 *
 * Everything here is fictitious. Domains are under .example or .test
 * (RFC 2606); IP addresses are in documentation ranges (RFC 5737); London
 * phone numbers use the range reserved for drama (020 7946 0xxx).
 *
 * Invariants checked by tests/unit/test_gen.c: every template expands to
 * text that the charsets of its language can carry (zh: GB2312, except the
 * words of gen_gbk_only_words; zh-Hant: Big5; ja: ISO-2022-JP (JIS X 0208);
 * en: US-ASCII), so that the charset a message asks for is the charset it
 * gets, except where mislabelling or a fallback is wanted.
 *
 * Template slots ({x}): P product, p product short name, K fund code,
 * C client, B broker, U custodian, O counterparty organisation, c company
 * (Hengxin), X addressee salutation, M sender name, G sender department,
 * V colleague, A amount, a share count, N net asset value, R percent,
 * r basis points, D event date, W its weekday, d message date (compact),
 * T time, Q quarter, Y year, S stock, s stock code, I industry, E meeting
 * room, L intranet URL, F sender phone, Z ticket number, n small number.
 */
#include "gen/gen_int.h"

/* The tables are laid out by hand (clang-format would split the CJK rows
 * by byte count): */
/* clang-format off */

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---- names ------------------------------------------------------------- */

const struct gen_name_part gen_surnames[] = {
	{"王", "王", "wang", 720, 0},	{"李", "李", "li", 700, 0},	{"张", "張", "zhang", 680, 0},
	{"刘", "劉", "liu", 540, 0},	{"陈", "陳", "chen", 460, 0},	{"杨", "楊", "yang", 330, 0},
	{"黄", "黃", "huang", 250, 0},	{"赵", "趙", "zhao", 230, 0},	{"吴", "吳", "wu", 210, 0},
	{"周", "周", "zhou", 210, 0},	{"徐", "徐", "xu", 170, 0},	{"孙", "孫", "sun", 160, 0},
	{"马", "馬", "ma", 150, 0},	{"朱", "朱", "zhu", 140, 0},	{"胡", "胡", "hu", 130, 0},
	{"郭", "郭", "guo", 130, 0},	{"何", "何", "he", 120, 0},	{"林", "林", "lin", 120, 0},
	{"高", "高", "gao", 110, 0},	{"罗", "羅", "luo", 100, 0},	{"郑", "鄭", "zheng", 100, 0},
	{"梁", "梁", "liang", 90, 0},	{"谢", "謝", "xie", 80, 0},	{"宋", "宋", "song", 75, 0},
	{"唐", "唐", "tang", 75, 0},	{"许", "許", "xu", 70, 0},	{"韩", "韓", "han", 70, 0},
	{"冯", "馮", "feng", 65, 0},	{"邓", "鄧", "deng", 65, 0},	{"曹", "曹", "cao", 60, 0},
	{"彭", "彭", "peng", 60, 0},	{"曾", "曾", "zeng", 60, 0},	{"肖", "肖", "xiao", 55, 0},
	{"田", "田", "tian", 50, 0},	{"董", "董", "dong", 50, 0},	{"袁", "袁", "yuan", 45, 0},
	{"潘", "潘", "pan", 45, 0},	{"蒋", "蔣", "jiang", 45, 0},	{"蔡", "蔡", "cai", 45, 0},
	{"余", "余", "yu", 40, 0},	{"杜", "杜", "du", 40, 0},	{"叶", "葉", "ye", 40, 0},
	{"程", "程", "cheng", 40, 0},	{"苏", "蘇", "su", 38, 0},	{"魏", "魏", "wei", 38, 0},
	{"吕", "呂", "lv", 36, 0},	{"丁", "丁", "ding", 35, 0},	{"任", "任", "ren", 35, 0},
	{"沈", "沈", "shen", 34, 0},	{"姚", "姚", "yao", 33, 0},	{"卢", "盧", "lu", 33, 0},
	{"姜", "姜", "jiang", 32, 0},	{"崔", "崔", "cui", 30, 0},	{"钟", "鍾", "zhong", 30, 0},
	{"谭", "譚", "tan", 28, 0},	{"陆", "陸", "lu", 28, 0},	{"汪", "汪", "wang", 27, 0},
	{"范", "范", "fan", 27, 0},	{"金", "金", "jin", 26, 0},	{"石", "石", "shi", 25, 0},
	{"廖", "廖", "liao", 24, 0},	{"贾", "賈", "jia", 23, 0},	{"夏", "夏", "xia", 23, 0},
	{"韦", "韋", "wei", 22, 0},	{"方", "方", "fang", 22, 0},	{"白", "白", "bai", 20, 0},
	{"邹", "鄒", "zou", 20, 0},	{"孟", "孟", "meng", 19, 0},	{"熊", "熊", "xiong", 19, 0},
	{"秦", "秦", "qin", 18, 0},	{"邱", "邱", "qiu", 18, 0},	{"江", "江", "jiang", 18, 0},
	{"尹", "尹", "yin", 17, 0},	{"薛", "薛", "xue", 16, 0},	{"段", "段", "duan", 15, 0},
	{"雷", "雷", "lei", 15, 0},	{"侯", "侯", "hou", 14, 0},	{"龙", "龍", "long", 14, 0},
	{"史", "史", "shi", 14, 0},	{"欧阳", "歐陽", "ouyang", 6, 0}, {"司马", "司馬", "sima", 2, 0},
	{"上官", "上官", "shangguan", 2, 0},
};
const size_t gen_n_surnames = NELEM(gen_surnames);

/* Given-name characters. The last block is outside GB2312 (but in GBK):
 * real people carry them, and they make GBK (and mislabelled "gb2312")
 * mail necessary. */
const struct gen_name_part gen_given[] = {
	{"伟", "偉", "wei", 90, 1},	{"芳", "芳", "fang", 70, 2},	{"娜", "娜", "na", 60, 2},
	{"敏", "敏", "min", 60, 0},	{"静", "靜", "jing", 60, 2},	{"丽", "麗", "li", 55, 2},
	{"强", "強", "qiang", 55, 1},	{"磊", "磊", "lei", 55, 1},	{"军", "軍", "jun", 50, 1},
	{"洋", "洋", "yang", 50, 0},	{"勇", "勇", "yong", 45, 1},	{"艳", "艷", "yan", 45, 2},
	{"杰", "傑", "jie", 45, 1},	{"娟", "娟", "juan", 40, 2},	{"涛", "濤", "tao", 40, 1},
	{"明", "明", "ming", 45, 0},	{"超", "超", "chao", 40, 1},	{"秀", "秀", "xiu", 30, 2},
	{"霞", "霞", "xia", 30, 2},	{"平", "平", "ping", 30, 0},	{"刚", "剛", "gang", 30, 1},
	{"英", "英", "ying", 30, 2},	{"华", "華", "hua", 40, 0},	{"玉", "玉", "yu", 25, 2},
	{"萍", "萍", "ping", 25, 2},	{"红", "紅", "hong", 25, 2},	{"鹏", "鵬", "peng", 30, 1},
	{"辉", "輝", "hui", 30, 1},	{"建", "建", "jian", 30, 1},	{"文", "文", "wen", 35, 0},
	{"斌", "斌", "bin", 25, 1},	{"宇", "宇", "yu", 40, 1},	{"浩", "浩", "hao", 40, 1},
	{"凯", "凱", "kai", 30, 1},	{"健", "健", "jian", 25, 1},	{"俊", "俊", "jun", 30, 1},
	{"帆", "帆", "fan", 20, 0},	{"旭", "旭", "xu", 20, 1},	{"宁", "寧", "ning", 25, 0},
	{"欣", "欣", "xin", 35, 2},	{"晨", "晨", "chen", 35, 0},	{"琳", "琳", "lin", 30, 2},
	{"雪", "雪", "xue", 25, 2},	{"婷", "婷", "ting", 35, 2},	{"倩", "倩", "qian", 30, 2},
	{"颖", "穎", "ying", 30, 2},	{"佳", "佳", "jia", 35, 0},	{"怡", "怡", "yi", 30, 2},
	{"梦", "夢", "meng", 20, 2},	{"思", "思", "si", 30, 0},	{"雨", "雨", "yu", 25, 2},
	{"子", "子", "zi", 25, 0},	{"涵", "涵", "han", 25, 2},	{"博", "博", "bo", 25, 1},
	{"睿", "睿", "rui", 25, 1},	{"泽", "澤", "ze", 25, 1},	{"航", "航", "hang", 20, 1},
	{"嘉", "嘉", "jia", 25, 0},	{"晓", "曉", "xiao", 40, 0},	{"志", "志", "zhi", 30, 1},
	{"东", "東", "dong", 25, 1},	{"海", "海", "hai", 25, 1},	{"波", "波", "bo", 25, 1},
	{"立", "立", "li", 20, 0},	{"新", "新", "xin", 20, 0},	{"瑶", "瑤", "yao", 20, 2},
	{"慧", "慧", "hui", 30, 2},	{"丹", "丹", "dan", 25, 2},	{"蕾", "蕾", "lei", 20, 2},
	{"昊", "昊", "hao", 20, 1},	{"天", "天", "tian", 20, 1},	{"一", "一", "yi", 20, 0},
	{"鑫", "鑫", "xin", 20, 0},	{"振", "振", "zhen", 15, 1},	{"国", "國", "guo", 20, 1},
	{"春", "春", "chun", 15, 0},	{"晶", "晶", "jing", 20, 2},	{"璐", "璐", "lu", 15, 2},
	{"悦", "悅", "yue", 20, 2},	{"琪", "琪", "qi", 20, 2},	{"峰", "峰", "feng", 25, 1},
	{"亮", "亮", "liang", 20, 1},	{"成", "成", "cheng", 20, 1},	{"婧", "婧", "jing", 12, 2},
	{"锐", "銳", "rui", 15, 1},	{"皓", "皓", "hao", 15, 1},	{"逸", "逸", "yi", 15, 0},
	{"诗", "詩", "shi", 15, 2},	{"仪", "儀", "yi", 12, 2},
	/* outside GB2312 */
	{"堃", "堃", "kun", 8, 1},	{"喆", "喆", "zhe", 8, 1},	{"玥", "玥", "yue", 8, 2},
	{"珺", "珺", "jun", 8, 2},	{"昇", "昇", "sheng", 6, 1},	{"燊", "燊", "shen", 5, 1},
	{"镕", "鎔", "rong", 5, 1},	{"赟", "贇", "yun", 5, 1},	{"翀", "翀", "chong", 4, 1},
	{"晞", "晞", "xi", 5, 2},	{"祎", "禕", "yi", 6, 2},	{"璟", "璟", "jing", 5, 0},
};
const size_t gen_n_given = NELEM(gen_given);

const char *const gen_gbk_only_words[] = {
	"昇辉投资", "王堃", "李喆", "张玥", "陈珺", "镕信材料", "赟华科技", "喆力医疗",
};
const size_t gen_n_gbk_only_words = NELEM(gen_gbk_only_words);

/* Characters GBK lacks: GB18030 four-byte sequences. */
const char *const gen_gb18030_only_words[] = {
	"😊", "👍", "𠮷", "㐂", "🙏",
};
const size_t gen_n_gb18030_only_words = NELEM(gen_gb18030_only_words);

const char *const gen_en_first[] = {
	"James", "Sarah", "David", "Emily", "Michael", "Olivia", "Robert", "Sophie", "Daniel",
	"Laura", "Thomas", "Hannah", "Richard", "Grace", "Peter", "Alice", "Mark", "Rachel",
	"Andrew", "Claire", "Kevin", "Natalie", "Jonathan", "Helen", "Simon", "Megan",
};
const size_t gen_n_en_first = NELEM(gen_en_first);
const char *const gen_en_last[] = {
	"Miller", "Clarke", "Bennett", "Hughes", "Foster", "Turner", "Walsh", "Harper", "Reid",
	"Ellis", "Grant", "Hayes", "Porter", "Lawson", "Marsh", "Wong", "Tan", "Lim", "Chen",
	"Kaur", "Fischer", "Moreau", "Novak", "Shaw",
};
const size_t gen_n_en_last = NELEM(gen_en_last);

const struct gen_ja_name gen_ja_family[] = {
	{"田中", "tanaka"}, {"佐藤", "sato"},	  {"鈴木", "suzuki"},	  {"高橋", "takahashi"},
	{"渡辺", "watanabe"}, {"伊藤", "ito"},   {"山本", "yamamoto"}, {"中村", "nakamura"},
	{"小林", "kobayashi"}, {"加藤", "kato"}, {"吉田", "yoshida"}, {"山田", "yamada"},
};
const size_t gen_n_ja_family = NELEM(gen_ja_family);
const struct gen_ja_name gen_ja_given[] = {
	{"太郎", "taro"}, {"花子", "hanako"},	{"一郎", "ichiro"}, {"健太", "kenta"},
	{"美咲", "misaki"}, {"誠", "makoto"},	{"大輔", "daisuke"}, {"由美", "yumi"},
	{"翔", "sho"},	 {"恵", "megumi"},	{"直樹", "naoki"},	 {"彩", "aya"},
};
const size_t gen_n_ja_given = NELEM(gen_ja_given);

const struct gen_ja_name gen_hk_family[] = {
	{"陳", "chan"}, {"黃", "wong"}, {"林", "lam"},	 {"張", "cheung"}, {"李", "lee"},
	{"梁", "leung"}, {"劉", "lau"}, {"吳", "ng"},	 {"何", "ho"},	   {"郭", "kwok"},
};
const size_t gen_n_hk_family = NELEM(gen_hk_family);
const struct gen_ja_name gen_hk_given[] = {
	{"志明", "chi-ming"}, {"美玲", "mei-ling"}, {"家豪", "ka-ho"},	  {"偉強", "wai-keung"},
	{"嘉欣", "ka-yan"},   {"建華", "kin-wah"},  {"詠詩", "wing-sze"}, {"俊傑", "chun-kit"},
	{"淑儀", "shuk-yee"}, {"國輝", "kwok-fai"},
};
const size_t gen_n_hk_given = NELEM(gen_hk_given);

/* ---- the company ------------------------------------------------------- */

const struct gen_dept_info gen_depts[DEPT_COUNT] = {
	[DEPT_INV] = {"投资部", "投資部", "Investment", "invest-team", 24,
		      {"投资总监", "基金经理", "基金经理助理", "投资经理", NULL},
		      {"Chief Investment Officer", "Fund Manager", "Assistant Fund Manager",
		       "Portfolio Manager", NULL}},
	[DEPT_RES] = {"研究部", "研究部", "Research", "research", 30,
		      {"研究总监", "高级研究员", "研究员", "宏观研究员", NULL},
		      {"Head of Research", "Senior Analyst", "Analyst", "Macro Analyst", NULL}},
	[DEPT_TRD] = {"交易部", "交易部", "Trading", "trading-desk", 14,
		      {"交易总监", "高级交易员", "交易员", NULL, NULL},
		      {"Head of Trading", "Senior Trader", "Trader", NULL, NULL}},
	[DEPT_CMP] = {"合规部", "合規部", "Compliance", "compliance", 12,
		      {"合规总监", "合规经理", "合规专员", "法务经理", NULL},
		      {"Head of Compliance", "Compliance Manager", "Compliance Officer",
		       "Legal Counsel", NULL}},
	[DEPT_RSK] = {"风控部", "風控部", "Risk", "risk", 12,
		      {"风控总监", "风控经理", "风险分析师", NULL, NULL},
		      {"Chief Risk Officer", "Risk Manager", "Risk Analyst", NULL, NULL}},
	[DEPT_MKT] = {"市场部", "市場部", "Marketing", "marketing", 42,
		      {"市场总监", "渠道经理", "机构销售经理", "客户经理", "产品经理"},
		      {"Head of Marketing", "Channel Manager", "Institutional Sales Manager",
		       "Relationship Manager", "Product Manager"}},
	[DEPT_OPS] = {"运营部", "運營部", "Operations", "ops", 30,
		      {"运营总监", "估值会计", "清算专员", "TA专员", NULL},
		      {"Head of Operations", "Fund Accountant", "Settlement Officer",
		       "Transfer Agency Officer", NULL}},
	[DEPT_IT] = {"信息技术部", "資訊科技部", "IT", "it-helpdesk", 20,
		     {"信息技术总监", "系统工程师", "网络安全工程师", "开发工程师", "IT支持"},
		     {"Chief Technology Officer", "Systems Engineer", "Security Engineer",
		      "Software Engineer", "IT Support"}},
	[DEPT_EXE] = {"总经理办公室", "總經理辦公室", "Executive Office", "gm-office", 16,
		      {"总经理", "副总经理", "督察长", "行政经理", "人力资源经理"},
		      {"General Manager", "Deputy General Manager", "Chief Compliance Officer",
		       "Administration Manager", "HR Manager"}},
};

/* ---- counterparties ---------------------------------------------------- */

const struct gen_org gen_orgs[] = {
	/* name, English name, domain, kind, lang, contacts, MUA, ip, tz, dst */
	{"长风证券股份有限公司", "Changfeng Securities", "changfeng-sec.example", OK_BROKER,
	 LANG_ZH, 6, MUA_OUTLOOK, 11, 480, 0},
	{"鼎泰证券有限责任公司", "Dingtai Securities", "dingtai-sec.example", OK_BROKER, LANG_ZH,
	 5, MUA_FOXMAIL, 12, 480, 0},
	{"汇川证券股份有限公司", "Huichuan Securities", "huichuan-sec.example", OK_BROKER,
	 LANG_ZH, 5, MUA_COREMAIL, 13, 480, 0},
	{"海岳证券股份有限公司", "Haiyue Securities", "haiyue-securities.example", OK_BROKER,
	 LANG_ZH, 4, MUA_OUTLOOK, 14, 480, 0},
	{"北辰期货有限公司", "Beichen Futures", "beichen-futures.example", OK_BROKER, LANG_ZH, 3,
	 MUA_FOXMAIL, 15, 480, 0},
	{"江海银行股份有限公司资产托管部", "Jianghai Bank Custody", "jianghai-bank.example",
	 OK_CUSTODIAN, LANG_ZH, 6, MUA_OUTLOOK, 21, 480, 0},
	{"东岳银行股份有限公司托管业务部", "Dongyue Bank Custody", "dongyue-bank.example",
	 OK_CUSTODIAN, LANG_ZH, 5, MUA_COREMAIL, 22, 480, 0},
	{"江南人寿保险股份有限公司", "Jiangnan Life Insurance", "jiangnan-life.example",
	 OK_CLIENT, LANG_ZH, 4, MUA_OUTLOOK, 31, 480, 0},
	{"华瑞企业年金理事会", "Huarui Pension Council", "huarui-pension.example", OK_CLIENT,
	 LANG_ZH, 3, MUA_FOXMAIL, 32, 480, 0},
	{"远航投资有限公司", "Yuanhang Investment", "yuanhang-invest.example", OK_CLIENT, LANG_ZH,
	 3, MUA_WEBMAIL, 33, 480, 0},
	{"青松养老保险股份有限公司", "Qingsong Pension Insurance", "qingsong-pension.example",
	 OK_CLIENT, LANG_ZH, 4, MUA_OUTLOOK, 34, 480, 0},
	{"东海理财有限责任公司", "Donghai Wealth Management", "donghai-wm.example", OK_CLIENT,
	 LANG_ZH, 4, MUA_COREMAIL, 35, 480, 0},
	{"昇辉投资管理有限公司", "Shenghui Capital", "shenghui-capital.example", OK_CLIENT,
	 LANG_ZH, 2, MUA_FOXMAIL, 36, 480, 0},
	{"明正会计师事务所（特殊普通合伙）", "Mingzheng CPA", "mingzheng-cpa.example",
	 OK_AUDITOR, LANG_ZH, 4, MUA_OUTLOOK, 41, 480, 0},
	{"衡平律师事务所", "Hengping Law Firm", "hengping-law.example", OK_LAW, LANG_ZH, 3,
	 MUA_OUTLOOK, 42, 480, 0},
	{"数联金融信息服务有限公司", "Shulian Financial Data", "shulian-data.example", OK_VENDOR,
	 LANG_ZH, 3, MUA_NEWSLETTER, 51, 480, 0},
	{"云栈科技有限公司", "Yunzhan Technology", "yunzhan-tech.example", OK_VENDOR, LANG_ZH, 3,
	 MUA_FOXMAIL, 52, 480, 0},
	{"个人投资者", "Retail investor", "freemail.example", OK_RETAIL, LANG_ZH, 12, MUA_WEBMAIL,
	 61, 480, 0},
	{"个人投资者", "Retail investor", "webmail.test", OK_RETAIL, LANG_ZH, 8, MUA_WEBMAIL, 62,
	 480, 0},
	{"港灣資產管理有限公司", "Harbour Asset Management", "harbour-am.example", OK_CLIENT,
	 LANG_TW, 4, MUA_OUTLOOK, 71, 480, 0},
	{"寶德證券（香港）有限公司", "Baode Securities (Hong Kong)", "baode-sec.example",
	 OK_BROKER, LANG_TW, 4, MUA_OUTLOOK, 72, 480, 0},
	{"富誠證券投資信託股份有限公司", "Fucheng Securities Investment Trust",
	 "fucheng-sitc.example", OK_CLIENT, LANG_TW, 3, MUA_FOXMAIL, 73, 480, 0},
	{"さくら証券株式会社", "Sakura Securities", "sakura-sec.example", OK_BROKER, LANG_JA, 4,
	 MUA_BECKY, 81, 540, 0},
	{"東邦アセットマネジメント株式会社", "Toho Asset Management", "toho-am.example",
	 OK_CLIENT, LANG_JA, 3, MUA_OUTLOOK, 82, 540, 0},
	{"Northbridge Capital Markets Ltd", "Northbridge Capital Markets Ltd",
	 "northbridge.example", OK_BROKER, LANG_EN, 5, MUA_OUTLOOK, 91, 0, 1},
	{"Bluewater Securities LLC", "Bluewater Securities LLC", "bluewater-sec.example",
	 OK_BROKER, LANG_EN, 4, MUA_GMAILLIKE, 92, -300, 2},
	{"Meridian Custody Services", "Meridian Custody Services", "meridian-custody.example",
	 OK_CUSTODIAN, LANG_EN, 4, MUA_OUTLOOK, 93, 480, 0},
	{"Kestrel Asset Management", "Kestrel Asset Management", "kestrel-am.example",
	 OK_CLIENT, LANG_EN, 3, MUA_APPLE, 94, 480, 0},
	{"Northgate & Partners LLP", "Northgate & Partners LLP", "northgate-audit.example",
	 OK_AUDITOR, LANG_EN, 3, MUA_OUTLOOK, 95, 480, 0},
	{"Harrow Index Services", "Harrow Index Services", "harrow-index.example", OK_VENDOR,
	 LANG_EN, 2, MUA_NEWSLETTER, 96, 0, 1},
	{"Pinecrest Pension Fund", "Pinecrest Pension Fund", "pinecrest-pension.example",
	 OK_CLIENT, LANG_EN, 3, MUA_GMAILLIKE, 97, -300, 2},
	{"恒信基金信息安全中心", "Hengxin Security Center", "hengxin-fund-security.test",
	 OK_PHISH, LANG_ZH, 2, MUA_WEBMAIL, 201, 480, 0},
	{"邮件系统管理员", "Mail Administrator", "mail-verify-center.test", OK_PHISH, LANG_ZH, 2,
	 MUA_WEBMAIL, 202, 480, 0},
	{"eSign Notice", "eSign Notice", "esign-notice.test", OK_PHISH, LANG_EN, 1,
	 MUA_GMAILLIKE, 203, 0, 0},
};
const size_t gen_n_orgs = NELEM(gen_orgs);

const struct gen_product gen_products[] = {
	{"恒信稳健增长混合型证券投资基金", "恆信穩健增長混合型證券投資基金", "恒信稳健增长",
	 "Hengxin Steady Growth Hybrid Fund", "960001"},
	{"恒信价值精选股票型证券投资基金", "恆信價值精選股票型證券投資基金", "恒信价值精选",
	 "Hengxin Value Select Equity Fund", "960002"},
	{"恒信纯债债券型证券投资基金", "恆信純債債券型證券投資基金", "恒信纯债",
	 "Hengxin Pure Bond Fund", "960003"},
	{"恒信货币市场基金", "恆信貨幣市場基金", "恒信货币", "Hengxin Money Market Fund",
	 "960004"},
	{"恒信沪深300指数增强型证券投资基金", "恆信滬深300指數增強型證券投資基金",
	 "恒信300增强", "Hengxin CSI 300 Enhanced Index Fund", "960005"},
	{"恒信科技创新混合型证券投资基金", "恆信科技創新混合型證券投資基金", "恒信科创",
	 "Hengxin Technology Innovation Hybrid Fund", "960006"},
	{"恒信中短债债券型证券投资基金", "恆信中短債債券型證券投資基金", "恒信中短债",
	 "Hengxin Short-Term Bond Fund", "960007"},
	{"恒信养老目标日期2040三年持有期混合型基金中基金（FOF）",
	 "恆信養老目標日期2040三年持有期混合型基金中基金（FOF）", "恒信养老2040",
	 "Hengxin Target Date 2040 FOF", "960008"},
	{"恒信红利优选混合型证券投资基金", "恆信紅利優選混合型證券投資基金", "恒信红利优选",
	 "Hengxin Dividend Select Hybrid Fund", "960009"},
	{"恒信医疗健康股票型证券投资基金", "恆信醫療健康股票型證券投資基金", "恒信医疗健康",
	 "Hengxin Healthcare Equity Fund", "960010"},
};
const size_t gen_n_products = NELEM(gen_products);

const struct gen_industry gen_industries[] = {
	{"半导体", "半導體", "semiconductors"},	 {"新能源", "新能源", "new energy"},
	{"医药生物", "醫藥生物", "pharmaceuticals"}, {"消费", "消費", "consumer"},
	{"银行", "銀行", "banks"},		 {"非银金融", "非銀金融", "non-bank financials"},
	{"房地产", "房地產", "real estate"},	 {"有色金属", "有色金屬", "non-ferrous metals"},
	{"计算机", "計算機", "computers"},	 {"食品饮料", "食品飲料", "food and beverage"},
	{"电力设备", "電力設備", "power equipment"}, {"汽车", "汽車", "automobiles"},
};
const size_t gen_n_industries = NELEM(gen_industries);

const struct gen_stock gen_stocks[] = {
	{"华星科技", "Huaxing Technology", "688301", 0},
	{"蓝海能源", "Lanhai Energy", "600921", 1},
	{"中原制造", "Zhongyuan Manufacturing", "000732", 10},
	{"康宁生物", "Kangning Biotech", "300815", 2},
	{"东方食品", "Dongfang Foods", "603388", 9},
	{"江城银行", "Jiangcheng Bank", "601277", 4},
	{"镕信材料", "Rongxin Materials", "002961", 7},
	{"天成软件", "Tiancheng Software", "300762", 8},
	{"锦江汽车", "Jinjiang Auto", "601655", 11},
	{"华景地产", "Huajing Property", "600815", 6},
	{"赟华科技", "Yunhua Technology", "688532", 0},
	{"瑞安保险", "Ruian Insurance", "601918", 5},
	{"北方锂业", "Beifang Lithium", "002870", 1},
	{"安和医药", "Anhe Pharma", "300936", 2},
	{"喆力医疗", "Zheli Medical", "688455", 2},
	{"新潮电器", "Xinchao Appliances", "000881", 3},
};
const size_t gen_n_stocks = NELEM(gen_stocks);

const char *const gen_meeting_rooms[] = {
	"28楼第一会议室", "28楼第二会议室", "29楼投决会议室", "27楼培训室", "28楼小会议室（228）",
};
const size_t gen_n_meeting_rooms = NELEM(gen_meeting_rooms);


/* ---- topics ------------------------------------------------------------ */

#define IN_ DIRM(GEN_DIR_INTERNAL)
#define INB DIRM(GEN_DIR_INBOUND)
#define OUT DIRM(GEN_DIR_OUTBOUND)

const struct gen_topic gen_topics[] = {
	{"nav", 60, IN_ | INB | OUT, DM(DEPT_OPS) | DM(DEPT_MKT) | DM(DEPT_INV),
	 OM(OK_CUSTODIAN) | OM(OK_CLIENT), SP_NONE, 45, "pxx",
	 {[LANG_ZH] = L("【净值日报】{p} {d}", "{p}（{K}）{D}净值数据", "{d}基金净值核对结果",
			"关于{p}净值披露的确认"),
	  [LANG_EN] = L("NAV report - {P} - {d}", "Daily NAV confirmation {d}",
			"NAV file for fund {K} as of {d}"),
	  [LANG_TW] = L("{P}淨值資料（{d}）"),
	  [LANG_JA] = L("{P} 基準価額のご連絡（{d}）")},
	 {[LANG_ZH] = L("附件为{D}{P}（基金代码：{K}）的净值数据，请查收。",
			"截至{D}，{p}单位净值为{N}元，累计单位净值为{N}元，日增长率为{R}。",
			"本日估值已与托管行{U}核对一致，无差异。",
			"今日申购确认金额{A}，赎回确认金额{A}，净申购{A}。",
			"如有疑问，请联系运营部估值组，电话{F}。",
			"受{I}板块波动影响，本周{p}净值回撤{R}，仍在风控阈值以内。",
			"请市场部于今晚20:00前完成各销售渠道的净值披露。",
			"货币基金万份收益为{N}元，七日年化收益率为{R}。"),
	  [LANG_EN] = L("Please find attached the NAV report of {P} ({K}) as of {D}.",
			"The NAV per unit was {N}, the accumulated NAV {N}, a daily change of {R}.",
			"Valuation has been reconciled with the custodian with no breaks.",
			"From next Monday the NAV file will be delivered by 18:30 Beijing time.",
			"Subscriptions confirmed today amounted to {A}; redemptions to {A}.",
			"Please let us know if the figures do not match your records."),
	  [LANG_TW] = L("附件為{D}{P}（基金代碼：{K}）的淨值資料，請查收。",
			"截至{D}，單位淨值為{N}，累計單位淨值為{N}，日增長率為{R}。",
			"如有任何疑問，歡迎隨時與本人聯絡。"),
	  [LANG_JA] = L("{P}（{K}）の{D}付基準価額をお送りいたします。",
			"基準価額は{N}、前日比{R}でございます。",
			"ご確認のほど、よろしくお願いいたします。")}},

	{"subscription", 40, IN_ | INB | OUT, DM(DEPT_MKT) | DM(DEPT_OPS),
	 OM(OK_CLIENT) | OM(OK_RETAIL), SP_NONE, 35, "dx",
	 {[LANG_ZH] = L("关于{C}申购{p}的确认", "申购申请：{C}拟申购{A}", "{p}申购款到账确认",
			"认购确认书（{C}）"),
	  [LANG_EN] = L("Subscription into {P} - {C}", "Subscription confirmation - {d}"),
	  [LANG_TW] = L("關於認購{P}事宜", "認購申請確認（{d}）"),
	  [LANG_JA] = L("{P}のお申込みについて")},
	 {[LANG_ZH] = L("{C}拟于{D}申购{P}，金额{A}，资金已划付至托管账户，请协助确认到账情况。",
			"根据基金合同约定，T+1日确认份额，T+2日客户可查询确认结果。",
			"申购费率按{R}执行，单笔申购金额超过500万元的，适用固定费用每笔1000元。",
			"请运营部在TA系统中完成录入，并将确认单回传给客户。",
			"客户已完成反洗钱及适当性评估，风险承受能力为C4，与产品风险等级R3相匹配。",
			"附件为客户签署的申购申请表及授权委托书扫描件，原件已寄出，快递单号SF{Z}。",
			"请注意，该客户为新开户机构，首次申购需核对预留印鉴。"),
	  [LANG_EN] = L("{C} intends to subscribe {A} into {P} on {D}.",
			"The funds have been transferred to the custody account; please confirm receipt.",
			"Units will be confirmed on T+1 and the confirmation will be available on T+2.",
			"The subscription fee of {R} applies, per the fund prospectus.",
			"KYC and suitability checks have been completed for this investor."),
	  [LANG_TW] = L("本公司擬於{D}認購貴司管理的{P}，金額為{A}。",
			"款項已匯至指定帳戶，煩請確認到帳情況。",
			"相關開戶文件已於昨日以快遞寄出，敬請查收。"),
	  [LANG_JA] = L("弊社にて{P}への投資を検討しております。",
			"お申込み金額は{A}を予定しております。",
			"必要書類につきまして、ご教示いただけますと幸いです。")}},

	{"redemption", 25, IN_ | INB, DM(DEPT_OPS) | DM(DEPT_INV) | DM(DEPT_RSK) | DM(DEPT_MKT),
	 OM(OK_CLIENT), SP_NONE, 20, "x",
	 {[LANG_ZH] = L("【预警】{p}大额赎回申请", "大额赎回预警：{p} T+1赎回{a}份",
			"关于{C}赎回款项到账时间的询问"),
	  [LANG_EN] = L("Redemption notice - {P}", "Large redemption alert {d}")},
	 {[LANG_ZH] = L("{p}收到大额赎回申请，赎回份额{a}份，占基金总份额的{R}。",
			"根据《公开募集证券投资基金运作管理办法》，单个开放日净赎回申请超过上一开放日基金总份额的10%，即为巨额赎回。",
			"投资部请于{T}前评估流动性安排，必要时减持部分{I}持仓以应对赎回。",
			"风控部已确认该笔赎回不会导致组合流动性风险指标突破限额。",
			"赎回款预计于T+3日划出，请托管行{U}做好头寸准备。",
			"{C}询问赎回款项预计何时到账，请运营部尽快答复。"),
	  [LANG_EN] = L("We have received a redemption request of {a} units in {P}, {R} of the units in issue.",
			"The redemption proceeds are expected to be paid on T+3.",
			"The investment team is reviewing the liquidity position and will confirm the plan by {T}.")}},

	{"compliance", 45, IN_ | INB | OUT,
	 DM(DEPT_CMP) | DM(DEPT_MKT) | DM(DEPT_EXE) | DM(DEPT_INV) | DM(DEPT_TRD),
	 OM(OK_LAW) | OM(OK_AUDITOR), SP_NONE, 35, "pd",
	 {[LANG_ZH] = L("请审阅：{p}宣传材料合规审查", "【合规】{Q}宣传推介材料报备",
			"合规提示：关于近期{I}行业监管动态", "关于员工证券投资申报的提醒",
			"【合规】通讯工具使用规范"),
	  [LANG_EN] = L("Compliance review - marketing materials for {P}",
			"Regulatory update {d}")},
	 {[LANG_ZH] = L("附件为市场部拟于{D}对外发布的{p}宣传折页（第{n}稿），请合规部审阅。",
			"宣传材料中不得出现“保本”“稳赚”等承诺收益的表述，过往业绩须注明“不代表未来表现”。",
			"根据监管要求，基金宣传推介材料应在分发前经公司合规负责人审核，并于5个工作日内报送证监局备案。",
			"经审阅，第3页“年化收益率{R}”一句需补充计算区间及数据来源。",
			"请各部门同事严格遵守公司《员工证券投资行为管理办法》，禁止利用未公开信息从事交易。",
			"本周合规检查发现{n}起交易录音缺失，请交易部于{D}前书面说明原因。",
			"请投资人员于每季度结束后10个工作日内申报本人及直系亲属的证券账户信息。",
			"工作期间请使用公司邮箱和录音电话沟通业务，禁止使用个人微信、QQ等即时通讯工具讨论交易事项。",
			"如有疑问，请联系合规部{V}。"),
	  [LANG_EN] = L("Please review the attached draft marketing leaflet for {P} before it is published on {D}.",
			"The materials must not promise returns, and past performance must carry the standard warning.",
			"Please note the new guidance on personal account dealing, effective {D}.",
			"From the compliance perspective we have no further comments on version {n}.")}},

	{"risk", 35, IN_, DM(DEPT_RSK) | DM(DEPT_INV) | DM(DEPT_EXE) | DM(DEPT_CMP), 0, SP_NONE,
	 50, "xxp",
	 {[LANG_ZH] = L("风险敞口周报（{D}）", "【风控】{p}信用风险敞口预警", "{Q}压力测试结果",
			"【风控预警】{S}持仓集中度接近上限"),
	  [LANG_EN] = L("Weekly risk exposure report {d}", "Stress test results {Q}")},
	 {[LANG_ZH] = L("截至{D}，公司管理的全部公募产品对{I}行业的风险敞口合计{A}，占净资产比例{R}。",
			"{p}持有的{S}（{s}）发行的信用债评级被下调至AA-，请投资部评估是否需要调整持仓。",
			"压力测试情景：利率上行50bp、股票市场下跌20%，组合最大回撤预计为{R}。",
			"组合VaR（95%置信度，1日）为{A}，较上周上升{r}。",
			"单一发行人集中度为{R}，低于基金合同约定的10%上限。",
			"请基金经理于{D}前反馈风险处置方案。",
			"本周无新增违规事项，流动性风险指标均在正常范围内。",
			"附件为风险敞口明细，包括行业分布、前十大持仓及信用评级分布。"),
	  [LANG_EN] = L("As of {D}, the aggregate exposure to the {I} sector was {A}, or {R} of net assets.",
			"The one-day 95% VaR rose by {r} week on week.",
			"Under the stress scenario the maximum drawdown is estimated at {R}.",
			"All liquidity indicators remain within limits.")}},

	{"report", 30, IN_ | INB | OUT, DM(DEPT_INV) | DM(DEPT_OPS) | DM(DEPT_CMP) | DM(DEPT_MKT),
	 OM(OK_CUSTODIAN) | OM(OK_AUDITOR) | OM(OK_CLIENT), SP_NONE, 60, "pdx",
	 {[LANG_ZH] = L("{p}{Q}报告（草稿）", "请提供{Q}季报投资策略部分",
			"{Q}季度报告披露时间安排", "{p}{Y}年年度报告审计初稿"),
	  [LANG_EN] = L("{P} - {Q} report (draft)", "Quarterly investor letter {Q}"),
	  [LANG_TW] = L("{P}{Q}報告"),
	  [LANG_JA] = L("{Q}運用報告書送付の件")},
	 {[LANG_ZH] = L("根据信息披露要求，{Q}报告需在季度结束之日起15个工作日内披露。",
			"请基金经理于{D}前提供报告期内的投资策略和运作分析以及宏观经济展望。",
			"报告期内，本基金份额净值增长率为{R}，同期业绩比较基准收益率为{R}。",
			"前十大重仓股中，{S}（{s}）占基金资产净值比例为{R}。",
			"附件为季报草稿，托管行{U}的复核意见已合并，请审阅。",
			"报告期末基金资产净值为{A}，基金份额总额为{a}份。"),
	  [LANG_EN] = L("Please find attached the draft {Q} report of {P}.",
			"During the period the fund returned {R} against a benchmark return of {R}.",
			"Net assets at the end of the period were {A}.",
			"Comments from the custodian have been incorporated."),
	  [LANG_TW] = L("附件為{P}{Q}報告，敬請查閱。", "報告期內，基金份額淨值增長率為{R}。"),
	  [LANG_JA] = L("{P}の{Q}運用報告書を添付にてお送りいたします。",
			"期中の騰落率は{R}でございました。",
			"ご査収のほど、よろしくお願い申し上げます。")}},

	{"trading", 45, IN_ | INB | OUT, DM(DEPT_TRD) | DM(DEPT_INV), OM(OK_BROKER), SP_NONE, 20,
	 "cx",
	 {[LANG_ZH] = L("交易指令：{p} 买入{S}", "【交易】{D}大宗交易确认", "盘前交易计划 {d}",
			"{B}成交回报 {d}", "关于{S}（{s}）大宗交易询价"),
	  [LANG_EN] = L("Trade confirmation - {S} - {d}", "Block trade enquiry {s}",
			"Execution report {d}"),
	  [LANG_TW] = L("交易確認 {d}"),
	  [LANG_JA] = L("約定のご連絡（{d}）")},
	 {[LANG_ZH] = L("请于今日开盘后分批买入{S}（{s}）{a}股，限价{N}元以内。",
			"指令编号{Z}，已在O32系统中下达，请交易员确认执行情况。",
			"今日{p}累计成交金额{A}，平均成交价较VWAP偏离{r}。",
			"{B}报价：{S}大宗交易折价{R}，数量{a}股，请投资经理确认是否参与。",
			"公平交易检查：同日反向交易已提交合规部审批。",
			"交易室所有通话均已录音，请勿使用个人手机沟通交易事宜。",
			"附件为今日成交回报，请核对。",
			"如需调整指令，请在O32系统中撤单后重新下达，不接受口头指令。"),
	  [LANG_EN] = L("Please find below the execution details for {S} ({s}).",
			"We bought {a} shares at an average price of {N}, {r} better than VWAP.",
			"The block is offered at a discount of {R} to the last close.",
			"Settlement is on T+1 through the custodian.",
			"From our desk, liquidity in the name has been thin this week."),
	  [LANG_TW] = L("今日已為貴司完成{S}交易，成交數量{a}股，成交均價{N}。",
			"交收日期為T+2，請安排資金。"),
	  [LANG_JA] = L("本日のご注文につきまして、約定いたしましたのでご連絡申し上げます。",
			"約定数量は{a}株、平均約定単価は{N}でございます。")}},

	{"research", 50, IN_ | INB, DM(DEPT_RES) | DM(DEPT_INV), OM(OK_BROKER) | OM(OK_VENDOR),
	 SP_NONE, 50, "pd",
	 {[LANG_ZH] = L("【研究】{I}行业深度报告：{S}", "{S}（{s}）调研纪要 {d}", "晨会纪要 {D}",
			"{B}{I}行业电话会议邀请", "【{B}】{S}：业绩超预期，维持买入评级"),
	  [LANG_EN] = L("Research: {I} sector outlook", "Company visit notes - {S}",
			"Morning call {d}"),
	  [LANG_TW] = L("{I}產業研究報告"),
	  [LANG_JA] = L("「{I}」セクター レポートのご送付")},
	 {[LANG_ZH] = L("本周我们调研了{S}，公司管理层表示{Y}年订单增长约{R}。",
			"我们维持{I}行业“增持”评级，{S}目标价{N}元。",
			"核心观点：行业景气度回升，龙头公司市场份额持续提升，估值处于历史{R}分位。",
			"风险提示：原材料价格波动、下游需求不及预期、政策变化。",
			"调研纪要仅供内部参考，请勿外传。",
			"晨会纪要：昨日沪深300指数上涨{R}，北向资金净流入{A}。",
			"电话会议时间：{D} {T}，拨入号码及密码见附件。",
			"{S}一季度营业收入同比增长{R}，毛利率提升{r}。"),
	  [LANG_EN] = L("We visited {S} this week; management guided order growth of about {R} for {Y}.",
			"We maintain our overweight rating on the {I} sector.",
			"Key risks: input costs, weaker demand and policy changes.",
			"The dial-in details for the conference call on {D} are attached."),
	  [LANG_TW] = L("附件為本公司{I}產業研究報告，供參考。", "我們維持{S}的買入評級，目標價{N}。"),
	  [LANG_JA] = L("「{I}」セクターに関するレポートをお送りいたします。",
			"ご参考にしていただければ幸いです。")}},

	{"meeting", 40, IN_ | INB | OUT, DM_ALL,
	 OM(OK_BROKER) | OM(OK_CLIENT) | OM(OK_CUSTODIAN) | OM(OK_AUDITOR), SP_NONE, 15, "d",
	 {[LANG_ZH] = L("会议通知：投资决策委员会（{D} {T}）", "关于召开{Q}投研联席会议的通知",
			"周会改到{W}", "拜访安排：{O} {D}", "会议纪要：{D}部门周会"),
	  [LANG_EN] = L("Meeting request: {D} {T}", "Invitation: Asia Investment Forum",
			"Catch-up next week?"),
	  [LANG_TW] = L("會議邀請：{D}"),
	  [LANG_JA] = L("お打ち合わせ日程のご相談")},
	 {[LANG_ZH] = L("定于{D}（{W}）{T}在{E}召开投资决策委员会会议，请各位准时参加。",
			"会议议题：一、{p}资产配置调整；二、{I}行业研究汇报；三、其他事项。",
			"如不能参会，请提前向总经理办公室请假。线上参会链接：{L}",
			"请研究部提前准备材料，于会前一天发送至各位委员。",
			"我们计划于{D}下午拜访贵司，就{p}的合作事宜当面沟通，不知是否方便？",
			"会议纪要附后，如有遗漏请补充。"),
	  [LANG_EN] = L("Would {D} at {T} work for a call to discuss {P}?",
			"We would be delighted to host you at our Shanghai office.",
			"Please find the agenda attached.",
			"Let me know if another time suits you better."),
	  [LANG_TW] = L("誠邀貴司出席於{D}舉行的投資交流會。", "敬請於{D}前回覆是否出席，謝謝。"),
	  [LANG_JA] = L("来週のお打ち合わせですが、{D}の{T}からでいかがでしょうか。",
			"ご都合をお聞かせいただけますと幸いです。")}},

	{"it", 25, IN_ | INB, DM_ALL, OM(OK_VENDOR), SP_NONE, 5, "d",
	 {[LANG_ZH] = L("【系统维护】O32投资交易系统升级通知", "VPN客户端升级通知",
			"关于启用邮箱多因素认证的通知", "工单{Z}：打印机无法连接",
			"{O}：运维服务月报"),
	  [LANG_EN] = L("Maintenance window {D}", "Ticket {Z} resolved")},
	 {[LANG_ZH] = L("为提升系统性能，信息技术部将于{D} 22:00至次日06:00对O32投资交易系统进行升级，期间暂停服务。",
			"新版VPN客户端已发布，请于{D}前完成升级，旧版本届时将停止支持。",
			"IT部门不会以邮件方式索取您的密码，请警惕钓鱼邮件。",
			"工单号：{Z}，如有问题请拨打IT服务热线{F}。",
			"即日起，登录邮箱需使用手机令牌进行二次认证，操作指引见附件。",
			"本月系统可用率为99.9%，共处理工单{n}个。"),
	  [LANG_EN] = L("The maintenance window is scheduled for {D} from 22:00 to 06:00.",
			"Ticket {Z} has been resolved; please reply if the issue persists.")}},

	{"ops", 35, IN_ | INB | OUT, DM(DEPT_OPS), OM(OK_CUSTODIAN) | OM(OK_BROKER), SP_NONE, 40,
	 "xcz",
	 {[LANG_ZH] = L("估值核对差异：{p} {d}", "{U}托管户对账单（{D}）", "清算交收提醒 {d}",
			"关于{p}银行间交收指令的确认"),
	  [LANG_EN] = L("Reconciliation break - {K} - {d}", "Custody statement {d}",
			"Settlement instruction {Z}"),
	  [LANG_TW] = L("對帳單（{d}）")},
	 {[LANG_ZH] = L("今日{p}估值表与托管行核对存在差异，差异金额{A}，原因为{S}停牌估值方法不一致。",
			"请托管行确认{D}的银行间市场交收指令，涉及金额{A}。",
			"T+0清算已完成，资金头寸{A}，无透支。",
			"附件为{D}托管户对账单，请核对。",
			"差异已调整，调整后单位净值为{N}元。",
			"请于今日15:00前回复确认，逾期将影响交收。"),
	  [LANG_EN] = L("There is a reconciliation break of {A} on {K} as of {D}.",
			"Please confirm the settlement instruction {Z} for value date {D}.",
			"The custody statement for {D} is attached."),
	  [LANG_TW] = L("附件為{d}對帳單，請查收核對。", "如有差異，煩請告知。")}},

	{"marketing", 40, IN_ | INB | OUT, DM(DEPT_MKT) | DM(DEPT_INV) | DM(DEPT_EXE),
	 OM(OK_CLIENT) | OM(OK_RETAIL), SP_NONE, 35, "pdx",
	 {[LANG_ZH] = L("{C}路演安排 {D}", "渠道销售周报（{D}）", "关于{p}持续营销活动方案",
			"{p}产品说明会邀请", "客户反馈：{C}关注{p}近期回撤"),
	  [LANG_EN] = L("Roadshow schedule {D}", "Fund factsheet - {P}"),
	  [LANG_TW] = L("{P}產品介紹")},
	 {[LANG_ZH] = L("{D}下午将在{C}举办{p}路演，预计参会客户{n}人，请基金经理准备PPT。",
			"本周渠道销量合计{A}，其中银行渠道占比{R}，互联网渠道占比{R}。",
			"营销活动方案已提交合规审查，审批通过前请勿对外发布。",
			"客户反馈：对{p}近期回撤表示关注，希望基金经理做一次线上交流。",
			"附件为{p}最新产品资料，供客户参考。",
			"基金投资有风险，过往业绩不代表未来表现，请客户仔细阅读基金合同和招募说明书。"),
	  [LANG_EN] = L("Please find attached the latest factsheet of {P}.",
			"The fund returned {R} year to date.",
			"We would be glad to arrange a call with the portfolio manager."),
	  [LANG_TW] = L("附件為{P}最新產品資料，供參考。", "如有興趣，歡迎安排與基金經理電話交流。")}},

	{"audit", 15, IN_ | INB | OUT, DM(DEPT_OPS) | DM(DEPT_CMP) | DM(DEPT_EXE), OM(OK_AUDITOR),
	 SP_NONE, 60, "xdp",
	 {[LANG_ZH] = L("{Y}年度审计资料清单（PBC）", "审计询证函：{p}", "审计调整事项",
			"关于{p}年报审计进场安排"),
	  [LANG_EN] = L("PBC list - FY{Y} audit", "Audit confirmation request - {P}")},
	 {[LANG_ZH] = L("根据审计计划，请贵司于{D}前提供附件所列资料。",
			"询证函已寄出，请托管行于收到后5个工作日内回函。",
			"审计过程中发现{n}项需调整事项，详见附件。",
			"审计组计划于{D}进场，预计工作10个工作日，请协助安排会议室。"),
	  [LANG_EN] = L("Please provide the documents on the attached PBC list by {D}.",
			"We have identified {n} proposed adjustments, detailed in the attachment.",
			"Our fieldwork is planned to start on {D}.")}},

	{"client_service", 20, INB | OUT, DM(DEPT_MKT) | DM(DEPT_OPS), OM(OK_RETAIL) | OM(OK_CLIENT),
	 SP_NONE, 10, "p",
	 {[LANG_ZH] = L("咨询：{p}赎回到账时间", "关于{p}分红方式的咨询", "对账单疑问",
			"定投扣款失败"),
	  [LANG_EN] = L("Query about redemption proceeds")},
	 {[LANG_ZH] = L("您好，我是{C}的投资经理，想咨询一下{p}的最新持仓情况及后续投资策略。",
			"请问赎回款项预计何时到账？我们需要在{D}前完成资金安排。",
			"贵司{Q}报告中提到的{I}配置比例较上季度有所上升，能否说明原因？",
			"我的基金账户显示定投扣款失败，请帮忙查一下原因。",
			"请问{p}的分红方式如何从现金分红改为红利再投资？",
			"感谢您对恒信基金的支持，您咨询的问题我们已转交相关部门，将于1个工作日内回复。"),
	  [LANG_EN] = L("Could you let us know when the redemption proceeds will be paid?",
			"We would appreciate an update on the fund's positioning.")}},

	{"admin", 20, IN_, DM(DEPT_EXE) | DM(DEPT_IT) | DM(DEPT_CMP), 0, SP_BROADCAST, 10, "d",
	 {[LANG_ZH] = L("关于{Y}年春节放假安排的通知", "关于开展{Y}年度员工体检的通知",
			"关于办公区消防演练的通知", "【通知】{D}大楼停电检修",
			"反洗钱培训通知（必修）"),
	  [LANG_EN] = L("Office notice: fire drill on {D}")},
	 {[LANG_ZH] = L("根据国务院办公厅通知，结合公司实际情况，现将放假安排通知如下。",
			"{D}（{W}）上午10:00将进行消防演练，届时请听从楼层负责人指挥，有序撤离。",
			"公司将于{D}起组织年度员工体检，请各部门合理安排时间。",
			"因大楼电力检修，{D}晚上20:00至24:00办公区停电，请提前保存工作并关闭电脑。",
			"根据监管要求，全体员工须于{D}前完成反洗钱线上培训及考试，培训链接：{L}",
			"如有疑问请联系总经理办公室{V}。"),
	  [LANG_EN] = L("A fire drill will take place on {D} at 10:00; please follow the floor wardens.",
			"All staff must complete the anti-money-laundering training by {D}.")}},

	{"system", 25, IN_, DM(DEPT_OPS) | DM(DEPT_RSK) | DM(DEPT_INV) | DM(DEPT_IT), 0, SP_SYSTEM,
	 20, "x",
	 {[LANG_ZH] = L("[TA系统] {d}申购赎回确认数据已生成", "[O32] 风控阈值预警：{p}",
			"[OA] 待审批：{G}费用报销单{Z}", "[估值系统] {d}估值完成"),
	  [LANG_EN] = L("[Alert] Job failed: nightly valuation {d}")},
	 {[LANG_ZH] = L("系统自动通知：{d}的申购赎回确认数据已生成，共{n}笔，请登录TA系统查看。",
			"风控预警：{p}持有{S}比例达到{R}，接近10%的监控阈值。",
			"您有一条待审批的流程：{G}费用报销单{Z}，金额{A}，请登录OA系统处理：{L}",
			"估值任务已完成，共处理产品{n}只，异常0条。",
			"此邮件由系统自动发送，请勿直接回复。"),
	  [LANG_EN] = L("The nightly valuation job finished with errors on {d}.",
			"This message was generated automatically; please do not reply.")}},

	{"newsletter", 20, INB, DM_ALL, OM(OK_VENDOR), SP_NEWSLETTER, 0, "",
	 {[LANG_ZH] = L("【宏观周报】{D}：流动性边际宽松", "【{O}】{I}行业周报",
			"【市场日报】{d} A股收评"),
	  [LANG_EN] = L("Weekly Market Wrap - {d}", "Index changes announcement {Q}")},
	 {[LANG_ZH] = L("本周沪深300指数上涨{R}，成交额较上周放大{R}。",
			"央行开展公开市场操作，净投放资金{A}，资金面总体平稳。",
			"{I}板块领涨，{S}涨幅居前。",
			"本资讯仅供参考，不构成投资建议。"),
	  [LANG_EN] = L("Global equities rose {R} this week, led by {I}.",
			"The quarterly index review will take effect after the close on {D}.",
			"This newsletter is for professional investors only.")}},

	{"phishing", 6, INB, DM_ALL, OM(OK_PHISH), SP_PHISHING, 0, "",
	 {[LANG_ZH] = L("【重要】您的邮箱即将停用，请立即验证", "邮箱容量已满，请升级",
			"【安全中心】检测到异常登录，请确认"),
	  [LANG_EN] = L("Action required: document awaiting your signature")},
	 {[LANG_ZH] = L("尊敬的用户：系统检测到您的邮箱存在异常登录，为保障账户安全，请于24小时内点击以下链接完成验证：{L}",
			"如未及时验证，您的邮箱将被停用，届时将无法收发邮件。",
			"您的邮箱容量已达到99%，请立即点击链接升级：{L}"),
	  [LANG_EN] = L("You have a document waiting for your signature. Review and sign: {L}",
			"This link expires in 24 hours.")}},

	{"exfil", 2, OUT, DM(DEPT_MKT) | DM(DEPT_INV) | DM(DEPT_RES) | DM(DEPT_TRD), 0, SP_EXFIL,
	 100, "x",
	 {[LANG_ZH] = L("资料", "备份", "客户资料", "fw")},
	 {[LANG_ZH] = L("备份一下。", "周末在家看。", "存档。")}},

	{"mass", 8, OUT, DM(DEPT_MKT), OM(OK_CLIENT) | OM(OK_RETAIL), SP_MASS, 50, "p",
	 {[LANG_ZH] = L("恒信基金{Q}投资者报告", "【恒信基金】{p}分红公告",
			"邀请函：恒信基金{Y}年度投资策略会"),
	  [LANG_EN] = L("Hengxin Fund {Q} investor letter")},
	 {[LANG_ZH] = L("尊敬的投资者：感谢您一直以来对恒信基金的信任与支持。",
			"{p}将于{D}进行收益分配，每10份基金份额派发红利{N}元。",
			"诚邀您出席于{D}在上海举办的恒信基金{Y}年度投资策略会。",
			"基金投资有风险，过往业绩不代表未来表现。"),
	  [LANG_EN] = L("Dear investor, thank you for your continued trust in Hengxin Fund.",
			"Please find attached our {Q} investor letter.")}},

	{"personal", 15, IN_, DM_ALL, 0, SP_NONE, 0, "",
	 {[LANG_ZH] = L("中午一起吃饭？", "周五团建报名", "生日快乐！", "借用一下投影仪", "快递到了"),
	  [LANG_EN] = L("Lunch?", "Friday drinks")},
	 {[LANG_ZH] = L("中午要不要一起去楼下吃饭？",
			"周五下班后部门团建，地点在陆家嘴，请大家在{D}前回复是否参加。",
			"前台有你的快递，记得去拿。", "明天上午借用一下投影仪，用完就还。",
			"祝生日快乐！"),
	  [LANG_EN] = L("Lunch at 12:15 downstairs?", "Count me in.")}},
};
const size_t gen_n_topics = NELEM(gen_topics);

/* ---- sentence pools ---------------------------------------------------- */

const char *const *const gen_pool_filler[LANG_COUNT] = {
	[LANG_ZH] = L("如有任何问题，请随时与我联系。", "以上信息请知悉。", "请于今天下班前回复确认。",
		      "相关材料已上传至共享盘：\\\\fs01\\{G}\\{Y}\\", "另外，{V}下周休假，期间相关工作由我代为处理。",
		      "辛苦大家！", "请注意信息保密，勿对外转发。", "谢谢配合！",
		      "如需进一步沟通，可以约个时间电话。", "附件较大，如无法打开请告知。"),
	[LANG_EN] = L("Please let me know if you have any questions.", "Many thanks for your help.",
		      "From my side, everything looks fine.",
		      "I will be out of the office next week; {V} will cover for me.",
		      "Please treat this information as confidential."),
	[LANG_TW] = L("如有任何疑問，歡迎隨時與本人聯絡。", "敬請於{D}前回覆確認，謝謝。",
		      "本郵件內容僅供收件人參閱。"),
	[LANG_JA] = L("ご不明な点がございましたら、お気軽にお問い合わせください。",
		      "引き続きよろしくお願い申し上げます。",
		      "お忙しいところ恐縮ですが、ご確認いただけますと幸いです。"),
};

const char *const *const gen_pool_commentary[LANG_COUNT] = {
	[LANG_ZH] = L("从宏观层面看，经济复苏态势延续，但内需仍有待进一步恢复，企业盈利改善的持续性需要观察。",
		      "货币政策保持稳健，央行通过降准和公开市场操作维持流动性合理充裕，市场利率中枢小幅下行。",
		      "债券市场方面，10年期国债收益率在2.3%附近震荡，信用利差整体收窄，中高等级信用债配置价值较好。",
		      "权益市场方面，成长风格表现较好，{I}板块受益于产业政策支持，估值有所修复。",
		      "展望下阶段，我们将继续坚持自下而上的选股策略，精选具备核心竞争力、现金流稳定的优质公司。",
		      "在组合管理上，我们适度提高了{I}行业的配置比例，同时降低了部分高估值品种的仓位。",
		      "海外方面，美联储降息节奏存在不确定性，人民币汇率波动可能对外资流向产生一定影响。",
		      "我们认为当前市场整体估值处于历史相对低位，中长期配置价值凸显，但短期波动可能加大。",
		      "风险方面需关注地缘政治、企业盈利不及预期以及流动性阶段性收紧等因素。",
		      "本基金将严格控制回撤，在保持组合流动性的前提下，力争为基金份额持有人创造长期稳健的回报。",
		      "从资金面看，北向资金本月累计净流入{A}，两融余额小幅上升，市场风险偏好有所回暖。",
		      "{S}作为行业龙头，三季度营收同比增长{R}，现金流状况良好，我们维持超配。",
		      "从估值角度看，沪深300指数市盈率处于近十年30%分位附近，股债性价比指标显示权益资产吸引力上升。",
		      "固收部分，我们维持中性久期，以中高等级信用债和利率债为主，严格规避尾部信用风险。",
		      "可转债方面，部分优质标的转股溢价率回落至合理区间，我们择机增加了配置。",
		      "报告期内，本基金规模较上季度末增长{R}，机构投资者持有比例约为{R}。",
		      "流动性管理方面，组合现金及高流动性资产占比保持在{R}以上，能够应对潜在的赎回需求。",
		      "行业配置上，我们重点关注{I}、高端制造和消费升级三条主线，并对估值过高的板块保持谨慎。",
		      "地产链相关行业仍处于出清阶段，我们对相关信用主体保持审慎，未新增持仓。",
		      "汇率方面，人民币兑美元汇率在7.1至7.3区间双向波动，对组合的直接影响有限。",
		      "我们将继续加强投研一体化建设，提升研究覆盖的深度和广度，为投资决策提供有力支持。",
		      "感谢各位持有人长期以来的信任与支持，我们将恪尽职守、勤勉尽责，努力为持有人创造价值。"),
	[LANG_EN] = L("On the macro side, growth remained resilient while inflation stayed subdued.",
		      "Monetary policy remained accommodative, keeping liquidity ample and short rates stable.",
		      "The 10-year government bond yield traded in a narrow range and credit spreads tightened.",
		      "In equities, growth stocks outperformed, with the {I} sector leading the market.",
		      "Going forward we keep our bottom-up approach and focus on quality companies with strong cash flows.",
		      "We see valuations near historical lows and a favourable long-term entry point.",
		      "Key risks include geopolitics, weaker earnings and tighter liquidity.",
		      "From a portfolio perspective, we added to {I} and trimmed the most expensive names.",
		      "On valuation, the CSI 300 trades close to the 30th percentile of its ten-year range.",
		      "In fixed income we keep a neutral duration, focused on high-grade credit and government bonds.",
		      "Convertible bonds offer selective opportunities as conversion premia have normalised.",
		      "Assets under management grew by {R} over the quarter, with institutions holding about {R}.",
		      "Liquidity remains ample: cash and highly liquid assets stay above {R} of the portfolio.",
		      "The property sector is still deleveraging and we have not added any new exposure.",
		      "The renminbi moved in a range of 7.1 to 7.3 against the dollar, with limited impact on the fund.",
		      "We thank our investors for their continued trust."),
	[LANG_TW] = L("從宏觀層面看，經濟復甦態勢延續，但內需仍有待進一步恢復。",
		      "債券市場方面，信用利差整體收窄，中高等級信用債具備配置價值。",
		      "我們認為目前市場估值處於歷史相對低位，中長期配置價值凸顯。"),
	[LANG_JA] = L("国内株式市場は堅調に推移いたしました。",
		      "債券市場では、利回りは狭いレンジでの推移となりました。",
		      "今後も企業の業績動向を注視してまいります。"),
};

const char *const *const gen_pool_reply[LANG_COUNT] = {
	[LANG_ZH] = L("收到，谢谢！", "好的，已处理。", "同意，请按此执行。", "附件已更新，请查收。",
		      "我这边没有问题。", "请{V}跟进一下。", "已阅，谢谢。", "数据已核对，无误。",
		      "请再确认一下第二项，其他没问题。", "好的，我下午回复您。", "收到，马上安排。",
		      "明白，谢谢提醒。"),
	[LANG_EN] = L("Noted with thanks.", "Thanks, we will revert by {D}.", "Looks good to me.",
		      "Please see my comments below.", "Confirmed.", "From our side this is fine."),
	[LANG_TW] = L("收到，謝謝！", "好的，我們會盡快處理。", "已確認，謝謝。"),
	[LANG_JA] = L("承知いたしました。", "ご連絡ありがとうございます。",
		      "確認いたします。少々お待ちください。"),
};

const char *const *const gen_pool_forward[LANG_COUNT] = {
	[LANG_ZH] = L("请参阅下面邮件。", "转给你看一下，请处理。", "供参考。", "FYI，请关注。",
		      "转发给相关同事，请知悉。"),
	[LANG_EN] = L("FYI.", "Please see below.", "Forwarding for your information.",
		      "Could you take a look?"),
	[LANG_TW] = L("轉發供參考。"),
	[LANG_JA] = L("ご参考までに転送いたします。"),
};

const char *const gen_disclaimer_zh =
	"【免责声明】本邮件及其附件含有恒信基金管理有限公司的保密信息，仅限于发送给上面地址中列出的个人或群组。"
	"禁止任何其他人以任何形式使用（包括但不限于全部或部分地泄露、复制或散发）本邮件中的信息。"
	"如果您错收了本邮件，请您立即电话或邮件通知发件人并删除本邮件！";
const char *const gen_disclaimer_en =
	"This e-mail and its attachments contain confidential information from Hengxin Fund "
	"Management Co., Ltd., which is intended only for the person or entity whose address is "
	"listed above. Any use of the information contained herein in any way (including, but not "
	"limited to, total or partial disclosure, reproduction, or dissemination) by persons other "
	"than the intended recipient(s) is prohibited. If you receive this e-mail in error, please "
	"notify the sender by phone or email immediately and delete it!";

/* clang-format on */

size_t gen_pool_len(const char *const *pool)
{
	size_t n = 0;
	while (pool != NULL && pool[n] != NULL)
		n++;
	return n;
}
