"""`reporttool serve`: the districts' self-service web page and the bureau's view (docs/serve.md).

A district enters its access code, downloads the blank form, uploads the filled workbook and sees the
same findings as ``reporttool check`` within seconds; the upload goes into inbox/ and is ingested the way
``consolidate`` ingests. The bureau sees 报送情况 live, reviews versions (通过 / 退回 with a reason),
consolidates the open period and downloads the outputs.
"""
