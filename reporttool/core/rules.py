"""The rule catalogue: every check reporttool makes, with a stable code, severity and message template.

One place for each rule's wording. Code that finds a problem calls ``finding(code, ...)`` with the
template's fields; docs/rules.md's tables are generated from this list (reporttool.checks.rules_doc).
Codes are stable: they appear in JSON output, feedback workbooks and the ledger.
"""
from __future__ import annotations

from dataclasses import dataclass

from reporttool.core.models import ERROR, INFO, VERIFY, Finding, Words


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    title: str  # short Chinese name, for lists and docs
    template: str  # Chinese message; {fields} filled by finding()
    checks: str  # what it checks, for docs/rules.md
    scope: str = "file"  # file: refusal of the whole file; row: one cell/row; cross: needs other files
    optional: tuple[str, ...] = ()  # template fields that may be left out (they are then empty)
    defaults: tuple[tuple[str, str], ...] = ()  # template fields that may be left out, with their default


_RULES: list[Rule] = [
    # ---- file-level refusals (the file is 退回; nothing of it is used) -----------------------------
    Rule("F-EMPTY-FILE", ERROR, "空文件", "文件是空的（0字节），请重新保存后发送。", "文件大小为0"),
    Rule("F-NOT-XLSX", ERROR, "不是Excel文件",
         "文件不是 Excel 工作簿（.xlsx）{what}。请用 Excel/WPS 打开报表模板填写后另存为 .xlsx。",
         "文件内容不是 xlsx（zip）格式；PDF、图片、Word 文档、压缩包、网页格式的“.xls”、Excel 2003 XML 表格按内容认出并在"
         "消息中说明是什么", defaults=(("what", "，可能是改了扩展名的其他文件"),)),
    Rule("F-DAMAGED", ERROR, "文件损坏",
         "文件是 Excel 工作簿（.xlsx），但已损坏或不完整（{detail}），无法读取。可能是下载、复制或邮件传输时被截断；"
         "请用 Excel/WPS 确认能打开后重新发送原文件。",
         "文件以 zip 文件头开始，但目录缺失或某个条目的压缩数据不完整（被截断或损坏的 .xlsx）",
         defaults=(("detail", "文件末尾缺失"),)),
    Rule("F-XLS", ERROR, "旧版xls格式",
         "文件是{kind}，请在 Excel/WPS 中“另存为”Excel 工作簿（.xlsx）后重新报送。",
         "OLE2 复合文档且不是加密的 xlsx（扩展名为 .et 时按 WPS 表格格式说明）"),
    Rule("F-ARCHIVE", ERROR, "压缩包",
         "文件是压缩包（{kind}），不是报表。请先解压，再把其中的报表（.xlsx）逐个报送或放入收件箱。",
         "rar/7z 文件头；扩展名为 .zip 或其中含有 .xlsx/.xls 文件的 zip（没有 xl/workbook.xml）"),
    Rule("F-ODS", ERROR, "ods格式",
         "文件是 OpenDocument 表格格式（.ods），不是 Excel 工作簿。请用 Excel/WPS 打开后“另存为”Excel 工作簿（.xlsx）"
         "后报送。", "zip 中有 OpenDocument 的 mimetype 条目（或扩展名为 .ods）且没有 xl/workbook.xml"),
    Rule("F-CSV", ERROR, "csv文本文件",
         "文件是 CSV 文本文件（.csv），只有数据，没有报表模板的结构。请在下发的报表模板中填写（可把数据复制进去），"
         "用 Excel/WPS 保存为 .xlsx 后报送。", "扩展名为 .csv 且内容不是 xlsx"),
    Rule("F-ENCRYPTED", ERROR, "文件加密",
         "文件设置了打开密码，无法读取。请取消密码（文件→信息→保护工作簿）后重新报送。",
         "加密的 OOXML（EncryptedPackage）"),
    Rule("F-TOO-BIG", ERROR, "文件过大", "文件大小 {size} 超过上限 {limit}，请删除多余内容后重新报送。",
         "文件字节数超过上限"),
    Rule("F-ZIP-BOMB", ERROR, "压缩异常",
         "文件解压后大小异常（{detail}），为安全起见不予读取。请用报表模板重新填写。",
         "zip 成员解压后总大小、压缩比、条目数、重叠条目、声明与实际大小不符"),
    Rule("F-HOSTILE-XML", ERROR, "内容不安全",
         "文件中的 {part} 含有不允许的 XML 声明（DOCTYPE/ENTITY），为安全起见不予读取。请用报表模板重新填写。",
         "工作簿任一 XML 部件含 DOCTYPE 或 ENTITY"),
    Rule("F-EXTENT", ERROR, "表格范围异常",
         "工作表“{sheet}”的数据范围异常（{detail}），可能含有远离表格的单元格。请删除多余单元格后重新报送。",
         "工作表声明或实际的单元格范围超出上限（如 XFD1048576）"),
    Rule("F-TOO-MANY-ROWS", ERROR, "行数超过上限",
         "工作表“{sheet}”用到第 {rows} 行，超过每张工作表 {limit} 行的上限。请删除表格下方多余的行（含空白格式行）"
         "后重新报送；确有这么多数据的，请与市局联系。",
         "工作表声明或实际用到的行数超过上限（默认 100,000 行），列数在上限以内"),
    Rule("F-UNSAFE", ERROR, "无法安全读取",
         "文件无法安全读取（{detail}）。请在 Excel/WPS 中打开后另存为 .xlsx 再报送。",
         "读取进程超出内存上限、超时或异常退出"),
    Rule("F-UNREADABLE", ERROR, "无法读取", "文件无法读取（{detail}）。请在 Excel/WPS 中打开后另存为 .xlsx 再报送。",
         "解析工作簿时出错"),
    Rule("F-NOT-OUR-FORM", ERROR, "不是本报表",
         "这不是本局下发的产业集群报表（缺少表单信息页）。请使用下发的模板填写。",
         "缺少隐藏的表单信息页或模板标识不符"),
    Rule("F-STALE-VERSION", ERROR, "模板版本过旧",
         "报表模板版本为 {found}，当前版本为 {expected}。请下载最新模板重新填写。", "表单信息页的版本与当前版本不符"),
    Rule("F-FINGERPRINT", ERROR, "模板已过期",
         "这份报表的模板下发后，市局调整了集群或指标设置，表内的集群、指标已不是最新。请使用市局最新下发的模板重新填写"
         "（模板标识 {found}，当前 {expected}）。",
         "表单信息页的目标库指纹与当前目标库不符"),
    Rule("F-PERIOD-MISMATCH", ERROR, "报告期不符", "报表的报告期为 {found}，本次汇总的报告期为 {expected}。{hint}",
         "表单信息页的报告期与所要求的不同（check --period；汇总时只收到其他报告期文件的县区，在本期报送情况中为退回）",
         optional=("hint",)),
    Rule("F-OTHER-PERIOD", INFO, "其他报告期的文件",
         "这份报表的报告期为 {found}，是在汇总 {expected} 时收到的：已按 {found} 入账，不计入 {expected}。"
         "如要报送 {expected}，请用该期模板填写后重新报送。",
         "汇总某一期时收到的、报告期不是这一期的报表（记在该文件上；该期的问题清单中也列出）"),
    Rule("F-INTERNAL", ERROR, "处理出错",
         "处理本文件时程序出错（{detail}），本文件暂不使用，其他县区不受影响。请把文件发给技术支持；"
         "也可在 Excel/WPS 中打开后另存为 .xlsx 再报送。",
         "读取后的审核、入账、汇总或生成反馈表时出错（程序缺陷或文件异常）：只影响这一个文件"),
    Rule("F-IDENTITY-CONFLICT", ERROR, "县区不一致",
         "{detail}。本文件不予使用，也不替代任何县区已报送的报表。请使用下发给本单位的模板填写后重新报送。",
         "报表隐藏的表单信息中的县区、各数据表的“填报单位”、文件名中的县区名称（如有）互相矛盾"),
    Rule("F-DISTRICT-MISMATCH", ERROR, "填报单位不符", "{detail}", "表单县区代码未配置，或与所要求的县区不同"),
    Rule("F-MISSING-SHEET", ERROR, "缺少工作表", "缺少工作表“{sheet}”（可能被删除或改名）。请使用下发的模板填写。",
         "三张数据表之一缺失"),
    Rule("F-MISSING-COLUMN", ERROR, "缺少列", "工作表“{sheet}”找不到“{column}”列（表头可能被改动）。",
         "数据表表头中找不到某一列"),
    Rule("F-MACRO", INFO, "含宏文件", "文件为启用宏的工作簿（.xlsm）；宏不会运行，只读取数据。",
         "xlsm 文件：读取数据，从不运行宏"),
    # ---- row / cell rules --------------------------------------------------------------------------
    Rule("R-EMPTY", ERROR, "空报表", "三张数据表均未填写数据，请填写后重新报送。", "企业、项目、产出三表全部为空",
         "row"),
    Rule("R-REQUIRED", ERROR, "必填项为空", "“{column}”为必填项，不能为空。", "必填列为空", "row"),
    Rule("R-NUMBER", ERROR, "不是数字", "“{column}”应填数字，现为“{value}”。{hint}",
         "数值列无法识别为数字；百分数（如 12%）只在计量单位为 % 的指标行中接受，其他数值列填百分数也是这一错误",
         "row", optional=("hint",)),
    Rule("R-INTEGER", ERROR, "不是整数", "“{column}”应填整数，现为“{value}”。", "整数列有小数或非数字", "row"),
    Rule("R-DATE", ERROR, "日期无法识别", "“{column}”应填年月（如 2025-03），现为“{value}”。", "日期列无法识别",
         "row"),
    Rule("R-NEGATIVE", ERROR, "数值为负", "“{column}”不能为负数，现为 {value}。", "金额和数量不小于0", "row"),
    Rule("R-TOO-LARGE", ERROR, "数值过大", "“{column}”的值 {value} 大得不合常理（超过1万亿），请检查单位和小数点。",
         "数值的绝对值不小于 10¹²（多为单位错填或误输入）；该值不参与任何计算", "row"),
    Rule("R-TEXT-TOO-LONG", ERROR, "文字过长",
         "“{column}”{length}，超过上限 {limit} 个字符{why}。请改为简明的文字后重新报送。",
         "企业名称、项目名称、项目单位、所在园区不超过 200 个字符；其他文字（含说明）不超过 Excel 单元格上限 32,767 个字符；"
         "超长的值不保存、不参与汇总（不会被悄悄截断）", "row"),
    Rule("R-TOTAL-ROW", ERROR, "合计行",
         "第{row}行为合计行（“{value}”），请删除。合计由市局汇总时计算，本行未读取。",
         "数据表中序号、信用代码、名称等列写着以“合计/小计/总计/共计”结尾的短标签（如“全县合计”“化工产业集群小计”）的行：不读取、不参与任何汇总，只给出这一条",
         "row"),
    Rule("R-HEADER-ROW", ERROR, "重复的表头行",
         "第{row}行是又粘贴了一遍的表头（“{value}”），请删除。本行未读取。",
         "数据行中出现与表头相同的一行（表头被重复粘贴）：不读取，只给出这一条（不再报该行每一格的错误）",
         "row"),
    Rule("R-NOTE-ONLY-ROW", INFO, "只有说明的行",
         "第{row}行只填了说明（“{value}”），没有其他内容，未作为数据读取。说明请写在它所说明的那一行的说明栏。",
         "集群企业、投资项目表中只有说明栏有内容的行：不读取（不再报该行的必填项为空）；集群产出表中只填说明的行照常读取",
         "row"),
    Rule("R-CHOICE", ERROR, "不在下拉选项中", "“{column}”应为 {choices} 之一，现为“{value}”。", "下拉列的值不在选项中",
         "row"),
    Rule("R-CLUSTER-SCOPE", VERIFY, "集群不在本县区",
         "所属集群“{value}”不在目标库为本县区列出的集群中（“集群”表的“所在县区”），请核实；确属本县区的，请在说明栏"
         "注明，并告知市局在目标库中为该集群增加本县区。",
         "集群企业、投资项目的所属集群须是本县区承载的集群（目标库“集群”表“所在县区”，留空为全部县区）；每表每个集群提示一次",
         "row"),
    Rule("R-CLUSTER-UNKNOWN", ERROR, "集群不存在", "所属集群“{value}”不在本市集群名单中。", "集群名称或代码不在目标库",
         "row"),
    Rule("R-CREDIT-FORMAT", ERROR, "信用代码格式错误",
         "统一社会信用代码“{value}”格式不对（应为18位数字或大写字母，不含 I、O、Z、S、V）。", "长度与字符集（GB 32100-2015）",
         "row"),
    Rule("R-CREDIT-CHECK", ERROR, "信用代码校验位错误", "统一社会信用代码“{value}”的校验位不正确，请核对。",
         "第18位校验码（python-stdnum cn.uscc）", "row"),
    Rule("R-CREDIT-DUP", ERROR, "企业重复填报", "统一社会信用代码“{value}”在本表第{first}行已填报，同一企业不得重复填报。",
         "同一文件内信用代码重复", "row"),
    Rule("R-SCALE-REVENUE", VERIFY, "规上企业营收偏低",
         "标为规上企业，但本年累计营业收入 {value} 万元折合全年约 {annual} 万元，低于规上标准 {threshold} 万元，请核实或说明。",
         "是否规上=是 且 营业收入×12/月数 < 规上标准", "row"),
    Rule("R-INV-PLAN", VERIFY, "完成投资超计划",
         "本年累计完成投资 {value} 万元超过本年计划投资 {plan} 万元，请核实或说明。", "本年累计完成投资 ≤ 本年计划投资", "row"),
    Rule("R-INV-TOTAL", ERROR, "完成投资超总投资", "本年累计完成投资 {value} 万元超过总投资 {total} 万元。",
         "本年累计完成投资 ≤ 总投资", "row"),
    Rule("R-INV-SINCE", ERROR, "累计完成超总投资", "自开工累计完成投资 {value} 万元超过总投资 {total} 万元。",
         "自开工累计完成投资 ≤ 总投资", "row"),
    Rule("R-DATES", ERROR, "投产早于开工", "预计投产时间 {value} 早于开工时间 {start}。",
         "开工时间 ≤ 预计投产时间，按年月比较（开工填到日、投产只填月份时，同一个月不算早于）", "row"),
    Rule("R-ROSTER-OVER-OUTPUT", VERIFY, "企业合计超集群总量",
         "{cluster}企业名录{measure}合计 {roster} 万元，大于集群产出表填报的{indicator} {total} 万元，请核实或说明。",
         "同一集群企业名录的营业收入（或工业总产值）之和 ≤ 集群产出表该集群对应指标（允许0.01万元舍入差）", "row"),
    Rule("R-OUTPUT-ROW-UNKNOWN", ERROR, "产出表行无法识别",
         "集群产出表中的“{value}”不是本市目标库中的集群或指标（表内预印的集群、指标可能被改动），本行数据未使用。",
         "集群产出表每一行的集群代码和指标代码须在目标库中", "row"),
    Rule("R-INV-YEAR-SINCE", ERROR, "本年完成超自开工累计",
         "本年累计完成投资 {value} 万元超过自开工累计完成投资 {since} 万元（自开工累计应包含本年）。",
         "本年累计完成投资 ≤ 自开工累计完成投资", "row"),
    Rule("R-ROSTER-EMPTY", ERROR, "企业名录未填",
         "集群企业表未填写，但集群产出表填报了{what}。请补填本地区各集群的企业名录。",
         "集群企业表没有任何企业，而集群产出表报了与名录对应的指标（如营业收入），或报了某集群的数据而该集群有由名录汇总的"
         "指标（如规上企业户数）；简报中的“未报送企业名录”只说有此错误的县区", "sheet"),
    Rule("R-ROSTER-MISSING", VERIFY, "集群无企业名录",
         "{cluster}在集群产出表填报了{indicator} {total} 万元，但集群企业表中没有该集群的企业，请补填或说明。",
         "集群产出表某集群报了与名录对应的指标，而名录中没有该集群的企业", "row"),
    Rule("R-OUTPUT-BLANK", ERROR, "集群总量未填",
         "{cluster}的“{indicator}”未填写，但集群企业表列了该集群企业 {count} 户，{measure}合计 {roster} 万元。"
         "请在集群产出表补填该集群的{indicator}。",
         "集群企业表列了某集群的企业（营业收入或工业总产值合计大于0），而集群产出表该集群对应指标的本年累计为空",
         "sheet"),
    Rule("R-FORMULA-PART", VERIFY, "比率分项缺失",
         "{cluster}的“{indicator}”按 {formula} 计算，已填{given}，但“{missing}”未填，本县区该比率无法计算，"
         "也不计入全市。请补填（确实为零请填0）或说明。",
         "计算指标（如占比）的分项在集群产出表中只填了一部分", "row"),
    Rule("R-YOY-SWING", VERIFY, "同比波动过大", "{what}同比{change}，超过±{threshold}%的核实阈值，请核实并在说明栏说明原因。",
         "|同比| > 目标库的同比核实阈值", "row"),
    Rule("R-NO-CACHED", VERIFY, "公式无计算结果",
         "单元格是公式但没有保存计算结果，按空值处理。请在 Excel/WPS 中打开、保存后再报送。", "公式单元格无缓存值", "row"),
    Rule("R-MERGED", ERROR, "合并单元格",
         "“{column}”的{detail}是合并单元格，合并后只有第一行有值，其余行的“{column}”为空。请取消合并，逐行填写。",
         "数据行中跨行合并的单元格（所属集群、是否规上等选项列除外：合并的值视为每一行都填了该值）", "row"),
    Rule("R-REGION", VERIFY, "信用代码地区不符",
         "{detail}请核实是否使用了其他县区的模板或数据，数据无误的请在说明栏说明。",
         "企业统一社会信用代码第3-8位（登记管理机关行政区划码）多数为另一个已配置县区的代码（县区代码为6位行政区划码时）",
         "sheet"),
    Rule("R-EXTRA-ROW", INFO, "表外数据", "第{row}行位于签名栏以下，未读取。如为数据请移到表内。", "签名栏以下仍有内容",
         "row"),
    # ---- rules that need history or other districts ------------------------------------------------
    Rule("R-YTD-FALL", ERROR, "累计数回落",
         "{what}本年累计 {value} 低于上期（{previous_period}）本年累计 {previous}，月度累计数不能回落。",
         "本期本年累计 ≥ 上期本年累计", "cross"),
    Rule("R-DUP-ACROSS", ERROR, "跨县区重复统计",
         "统一社会信用代码“{value}”（{name}）已由{other}填报，同一企业不得由两个县区重复统计。",
         "同一信用代码出现在两个县区：后报送者为错误", "cross"),
    # ---- consistency with the district's own history (docs/history.md): 核实, never silent --------------
    Rule("R-LY-REVISED", VERIFY, "上年同期与去年报送不符",
         "{what}上年同期 {value}{unit} 与本县区去年同期（{ly_period}）报送的本年累计 {before} {change}，超过{threshold}%的"
         "核实阈值。请核实（如统计口径调整、数据更正）并在说明栏说明原因。",
         "集群产出表的上年同期与同一县区去年同一报告期在用版本的本年累计相比，相差超过目标库的上年同期核实阈值"
         "（默认5%；去年为0而今年不为0也算）；去年该期没有数据时不比较", "cross"),
    Rule("R-ROSTER-NEW", VERIFY, "名录新增企业",
         "{cluster}与上期（{previous_period}）相比，集群企业表新增{count}户企业：{names}。请核实（新投产、新入规、迁入"
         "或此前漏报），并在新增企业所在行的说明栏说明。",
         "按统一社会信用代码，本期在用版本有、上期（同年上一个月）在用版本没有的企业；每个集群一条，定位在该集群第一户"
         "新增企业，1月不比较", "cross"),
    Rule("R-ROSTER-GONE", VERIFY, "名录企业减少",
         "{cluster}与上期（{previous_period}）相比，集群企业表少了{count}户企业：{names}。请核实（停产、迁出、被兼并"
         "或漏填；漏填的请补填），并在本行说明栏说明。",
         "按统一社会信用代码，上期在用版本有、本期没有的企业；每个集群一条，定位在集群产出表该集群的第一行（说明栏），"
         "1月不比较；本期企业名录整张为空时不报（那是 R-ROSTER-EMPTY），本期名录没有该集群企业且已报 R-ROSTER-MISSING 时"
         "该集群不报；本期名录有同名企业的不算减少（信用代码有错误的由 R-CREDIT-* 报，代码不同的报 R-ROSTER-RECODED）",
         "cross"),
    Rule("R-ROSTER-RECODED", VERIFY, "名录企业信用代码变化",
         "“{name}”上期（{previous_period}）的统一社会信用代码为{before}，本期为{value}。同一企业的信用代码一般不变，"
         "请核对是否填错；确有变更的请在本行说明栏说明。",
         "上期在用版本有、本期没有的信用代码，其企业名称（忽略空格、全半角）在本期名录中以另一个有效代码出现；"
         "1月不比较", "cross"),
    Rule("R-MONTH-OUTLIER", VERIFY, "当月值异常",
         "{what}当月 {month}（本年累计减上月）远离本县区以往{n}个月的当月值（中位数 {median}），稳健分数 {score}，"
         "超过±{cutoff}。请核实并在说明栏说明原因。",
         "当月＝本年累计－上月本年累计（1月即本年累计）；与本县区此前最多24个月的当月值比较，稳健分数＝"
         "(当月－中位数)÷尺度，尺度取 MAD（中位数绝对偏差）÷0.6745 与 |中位数|×目标库的当月异常最小离散（默认10%）"
         "中较大者，绝对值超过目标库的当月异常阈值（默认3.5）为核实；少于6个月历史或尺度为0时不判断；"
         "只看集群产出表中累计的流量指标", "cross"),
]

RULES: dict[str, Rule] = {r.code: r for r in _RULES}
assert len(RULES) == len(_RULES), "duplicate rule code"


def in_words(text: str, words: Words | None) -> str:
    """A fixed sentence in the catalogue's level words: 本市/全市/县区/市局 -> 本省/全省/设区市/省厅.

    The templates above are written in the default words (so docs/rules.md reads naturally); applied to a
    template before its fields are filled, so what a district typed is never rewritten."""
    if words is None or words == Words():
        return text
    return (text.replace("本市", words.own).replace("全市", words.whole).replace("县区", words.unit)
            .replace("市局", words.bureau))


def finding(code: str, *, file: str = "", district: str = "", sheet: str = "", row: int | None = None,
            column: str = "", cell: str = "", value: object = "", explanation: str = "",
            words: Words | None = None, **fields) -> Finding:
    """Build the Finding for rule ``code``; ``fields`` (and ``value``/``column``/``row``/``sheet``/``cell``)
    fill its template, worded with the catalogue's ``words`` (default: 全市/县区)."""
    rule = RULES[code]
    text_value = short_value("" if value is None else str(value))
    explanation = short_value(explanation)
    for key in rule.optional:
        fields.setdefault(key, "")
    for key, default in rule.defaults:
        fields.setdefault(key, default)
    message = in_words(rule.template, words).format(value=text_value, column=column, row=row, sheet=sheet, cell=cell, **fields)
    return Finding(rule=code, severity=rule.severity, message=message, file=file, district=district,
                   sheet=sheet, row=row, column=column, cell=cell, value=text_value,
                   explanation=explanation if rule.severity == VERIFY else "")


MAX_SHOWN = 200  # characters of a typed value or a 说明 repeated in a message, a workbook cell or the ledger


def short_value(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` as shown back to people: at most ``limit`` characters, saying how long it really was.

    A finding repeats what the district typed; a 1,000,000-character cell must not travel into every
    message, feedback workbook and ledger row (nor be cut there without a word)."""
    if len(text) <= limit:
        return text
    return f"{text[:limit // 4]}……（共{len(text):,}个字符）"
