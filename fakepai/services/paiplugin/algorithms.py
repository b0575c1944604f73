"""PaiPlugin's built-in algorithm catalogue (read-only: the API has no algorithm writes).

Only the ids `user_recall` and `sms_recall` (name 短信召回) are documented (behavior.md §3/§8,
META/SDK `@example`s). The config maps are JSON strings "parameter name -> what it means"
(SDK comment: 训练/预测所需参数名与对应的参数说明); their keys follow the seed's UserConfig
description ("start_date and end_date define the time range of modeling data"). [INFERRED]
"""
from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Algorithm:
    id: str
    name: str
    description: str
    train_config: dict[str, str]
    infer_config: dict[str, str]

    def summary(self) -> dict:
        return {"Id": self.id, "Name": self.name}

    def detail(self) -> dict:
        return {
            "Id": self.id,
            "Name": self.name,
            "Description": self.description,
            "TrainUserConfigMap": json.dumps(self.train_config, ensure_ascii=False),
            "InferUserConfigMap": json.dumps(self.infer_config, ensure_ascii=False),
        }


_DATE_RANGE = {
    "start_date": "建模数据的开始日期 (yyyy-MM-dd)。",
    "end_date": "建模数据的结束日期 (yyyy-MM-dd)。",
}

ALGORITHMS: dict[str, Algorithm] = {a.id: a for a in (
    Algorithm(
        id="user_recall",
        name="用户召回",
        description="根据用户历史行为数据训练模型，预测流失用户被召回的概率。",
        train_config={**_DATE_RANGE, "label_days": "观察召回结果的天数。"},
        infer_config={"infer_date": "预测日期 (yyyy-MM-dd)。", "top_n": "输出召回概率最高的用户数。"},
    ),
    Algorithm(
        id="sms_recall",
        name="短信召回",
        description="根据历史短信触达与转化数据训练模型，预测用户收到短信后被召回的概率。",
        train_config={**_DATE_RANGE, "signature": "短信签名。", "template_code": "短信模板编号。"},
        infer_config={"infer_date": "预测日期 (yyyy-MM-dd)。", "top_n": "输出召回概率最高的用户数。"},
    ),
)}
