"""A small scheme shared by the publication record's tests and the board pages' tests: three
units in two categories, three indicators (a target, a peer rule, a linear rate), half a year
elapsed; ``TINY_GRADED`` adds a quota-bound grade set."""

from __future__ import annotations

TINY = """
name: 小方案
period: {label: 2024年上半年, start: 2024-01-01, end: 2024-12-31, as_of: 2024-06-30}
categories:
  city: {name: 城区}
  rural: {name: 农区}
units:
  a: {name: 甲区, category: city}
  b: {name: 乙县, category: city}
  c: {name: 丙旗, category: rural}
dimensions:
  economy: {name: 经济}
  service: {name: 服务}
indicators:
  revenue:
    name: 财政收入
    parent: economy
    unit_of_measure: 亿元
    adds_up: true
    weights: 10
    target: {a: 10, b: 8, c: 12}
    rule: {type: proportional}
  projects:
    name: 签约项目
    parent: economy
    unit_of_measure: 个
    adds_up: true
    weights: 10
    rule: {type: ratio_to_best, peers: all}
  online:
    name: 网办率
    parent: service
    unit_of_measure: "%"
    weights: 10
    target: 90
    rule: {type: linear, below_rate: 1}
"""

TINY_GRADED = (
    TINY
    + """\
grading:
  scope: category
  grades:
    - {id: excellent, name: 优秀, quota: {count: 1}}
    - {id: good, name: 良好}
"""
)

VALUES = {
    "a": {"revenue": "6", "projects": "10", "online": "99"},
    "b": {"revenue": "3", "projects": "30", "online": "81"},
    "c": {"revenue": "12", "projects": "0", "online": "90"},
}
ELAPSED = 182 / 366
