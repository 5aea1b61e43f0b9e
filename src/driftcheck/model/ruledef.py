"""A sync rule's definition: the rule in the terms of the ADSync cmdlets that create one.

The compared tree of a rule (:mod:`driftcheck.compare.normalize`) sorts, joins into texts and
normalises whitespace, which is right for comparing and wrong for creating the rule again.
A :class:`RuleDefinition` keeps every value as exported and every list in its order; the
report carries one per custom rule and side, and the migration script
(:mod:`driftcheck.render.script`) is written from it, from a saved report too.
"""

from __future__ import annotations

from dataclasses import dataclass

from driftcheck.model.jsonread import Json, JsonReader
from driftcheck.model.server import SyncRule


@dataclass(frozen=True)
class FlowDefinition:
    """An attribute flow: ``type`` is direct, constant or expression."""

    destination: str
    type: str
    sources: tuple[str, ...]
    constant: str | None
    expression: str | None
    merge_type: str
    execute_once: bool

    def to_json(self) -> dict[str, Json]:
        return {
            "destination": self.destination,
            "type": self.type,
            "sources": list(self.sources),
            "constant": self.constant,
            "expression": self.expression,
            "merge_type": self.merge_type,
            "execute_once": self.execute_once,
        }

    @staticmethod
    def from_json(r: JsonReader) -> FlowDefinition:
        return FlowDefinition(
            destination=r.text("destination"),
            type=r.text("type", choices=("direct", "constant", "expression")),
            sources=tuple(s.as_text() for s in r.items("sources")),
            constant=r.optional_text("constant"),
            expression=r.optional_text("expression"),
            merge_type=r.text("merge_type"),
            execute_once=r.boolean("execute_once"),
        )


@dataclass(frozen=True)
class ScopeClauseDefinition:
    attribute: str
    operator: str
    value: str

    def to_json(self) -> dict[str, Json]:
        return {"attribute": self.attribute, "operator": self.operator, "value": self.value}

    @staticmethod
    def from_json(r: JsonReader) -> ScopeClauseDefinition:
        return ScopeClauseDefinition(r.text("attribute"), r.text("operator"), r.text("value"))


@dataclass(frozen=True)
class JoinConditionDefinition:
    connector_attribute: str
    metaverse_attribute: str
    case_sensitive: bool

    def to_json(self) -> dict[str, Json]:
        return {
            "connector_attribute": self.connector_attribute,
            "metaverse_attribute": self.metaverse_attribute,
            "case_sensitive": self.case_sensitive,
        }

    @staticmethod
    def from_json(r: JsonReader) -> JoinConditionDefinition:
        return JoinConditionDefinition(
            r.text("connector_attribute"),
            r.text("metaverse_attribute"),
            r.boolean("case_sensitive"),
        )


@dataclass(frozen=True)
class RuleDefinition:
    """Every field the migration script sets, as exported. ``connector`` is a name."""

    name: str
    connector: str
    description: str
    direction: str
    source_object_type: str
    target_object_type: str
    link_type: str
    precedence: int
    disabled: bool
    password_sync: bool
    immutable_tag: str
    soft_delete_expiry_interval: str | None
    flows: tuple[FlowDefinition, ...]
    #: clauses ANDed within a group, groups ORed
    scoping_groups: tuple[tuple[ScopeClauseDefinition, ...], ...]
    #: conditions ANDed within a group, groups tried in order
    join_groups: tuple[tuple[JoinConditionDefinition, ...], ...]

    @staticmethod
    def of(rule: SyncRule, connector: str) -> RuleDefinition:
        return RuleDefinition(
            name=rule.name,
            connector=connector,
            description=rule.description,
            direction=rule.direction,
            source_object_type=rule.source_object_type,
            target_object_type=rule.target_object_type,
            link_type=rule.link_type,
            precedence=rule.precedence,
            disabled=rule.disabled,
            password_sync=rule.password_sync,
            immutable_tag=rule.immutable_tag,
            soft_delete_expiry_interval=dict(rule.settings).get("softDeleteExpiryInterval"),
            flows=tuple(
                FlowDefinition(
                    f.destination,
                    f.kind,
                    f.sources,
                    f.constant,
                    f.expression,
                    f.merge_type,
                    f.execute_once,
                )
                for f in rule.flows
            ),
            scoping_groups=tuple(
                tuple(ScopeClauseDefinition(c.attribute, c.operator, c.value) for c in g.clauses)
                for g in rule.scoping_groups
            ),
            join_groups=tuple(
                tuple(
                    JoinConditionDefinition(
                        c.connector_attribute, c.metaverse_attribute, c.case_sensitive
                    )
                    for c in g.conditions
                )
                for g in rule.join_groups
            ),
        )

    def to_json(self) -> dict[str, Json]:
        return {
            "name": self.name,
            "connector": self.connector,
            "description": self.description,
            "direction": self.direction,
            "source_object_type": self.source_object_type,
            "target_object_type": self.target_object_type,
            "link_type": self.link_type,
            "precedence": self.precedence,
            "disabled": self.disabled,
            "password_sync": self.password_sync,
            "immutable_tag": self.immutable_tag,
            "soft_delete_expiry_interval": self.soft_delete_expiry_interval,
            "flows": [f.to_json() for f in self.flows],
            "scoping_groups": [
                {"clauses": [c.to_json() for c in group]} for group in self.scoping_groups
            ],
            "join_groups": [
                {"conditions": [c.to_json() for c in group]} for group in self.join_groups
            ],
        }

    @staticmethod
    def from_json(r: JsonReader) -> RuleDefinition:
        return RuleDefinition(
            name=r.text("name"),
            connector=r.text("connector"),
            description=r.text("description"),
            direction=r.text("direction"),
            source_object_type=r.text("source_object_type"),
            target_object_type=r.text("target_object_type"),
            link_type=r.text("link_type"),
            precedence=r.integer("precedence"),
            disabled=r.boolean("disabled"),
            password_sync=r.boolean("password_sync"),
            immutable_tag=r.text("immutable_tag"),
            soft_delete_expiry_interval=r.optional_text("soft_delete_expiry_interval"),
            flows=tuple(FlowDefinition.from_json(f) for f in r.items("flows")),
            scoping_groups=tuple(
                tuple(ScopeClauseDefinition.from_json(c) for c in g.items("clauses"))
                for g in r.items("scoping_groups")
            ),
            join_groups=tuple(
                tuple(JoinConditionDefinition.from_json(c) for c in g.items("conditions"))
                for g in r.items("join_groups")
            ),
        )
