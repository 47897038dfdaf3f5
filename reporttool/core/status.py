"""Status words shared by the stages: progress against 时序进度, and a submission's state (报送情况).

Leaf module: checks, the ledger, figures, outputs and the CLI all use these words.
"""

# Progress status against 时序进度
AHEAD = "超前"
ON_TRACK = "正常"
LAGGING = "滞后"

# Submission states (报送情况)
ST_MISSING = "未报"
ST_PASSED = "通过"
ST_VERIFY = "待核实"
ST_ERRORS = "有错"
ST_RETURNED = "退回"  # the file could not be read / was refused: nothing of it is used
ST_SUPERSEDED = "被替代"
# A district with no version in use because the bureau took it out (报送情况 shows these, never 未报;
# the figures count it as 未报: its data is in no total). ledger/restore.py, docs/serve.md
ST_WITHDRAWN = "已撤回"  # `reporttool withdraw`
ST_RETURNED_REDO = "已退回（待重报）"  # the bureau's 退回 on the web page: the district must correct and resend
