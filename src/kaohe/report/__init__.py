"""The annual report (年度考核报告): HTML, PDF, XLSX and optionally DOCX from one content model.

* :mod:`kaohe.report.content` — pure: the engine's results in, frozen records out;
* :mod:`kaohe.report.words` — the scheme's rules and grades in words;
* :mod:`kaohe.report.html`, ``pdf``, ``xlsx``, ``docx`` — the writers (the edge);
* :mod:`kaohe.report.files` — hashes of the inputs, the report's date, all files written at once.

See ``docs/report.md``.
"""
