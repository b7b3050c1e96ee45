"""Ledgers that feed the assessment (台账): the project register and follow-up matters.

A pure core — frozen records in and out, no files, no database:

* :mod:`~kaohe.ledgers.stages`, :mod:`~kaohe.ledgers.projects` — major projects (重点项目) and
  their stage history 储备 → 签约 → 开工 → 在建 → 竣工, or 终止 with a reason;
* :mod:`~kaohe.ledgers.matters`, :mod:`~kaohe.ledgers.workflow` — follow-up matters (督办,
  揭榜领题, 谈心谈话, 领导包案) and their state machines; :mod:`~kaohe.ledgers.talks` creates
  talks from the rulebook's accountability list;
* :mod:`~kaohe.ledgers.frames` — the ledgers compiled to arrays, queried at any date;
* :mod:`~kaohe.ledgers.spec`, :mod:`~kaohe.ledgers.derive`, :mod:`~kaohe.ledgers.merge` —
  indicators derived from the ledgers (the scheme's ``derive:``), with the records behind each
  value, merged into the engine's dataset;
* :mod:`~kaohe.ledgers.summary` — stage funnels, stage counts by month, matters due and overdue.

Files are read and written at the edge, in :mod:`kaohe.io.ledger_files`. This package's
``__init__`` imports nothing, so that :mod:`kaohe.scheme` can import the ``derive:`` models.
"""
