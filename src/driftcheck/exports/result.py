"""The typed result of ``driftcheck exports``: summary, connectors, findings (JSON
``driftcheck/exports/v1``). Frozen dataclasses; :meth:`ExportsResult.to_json` and
:meth:`ExportsResult.from_json` are the schema's two directions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from driftcheck.errors import InputError
from driftcheck.model.vocab import Severity

SCHEMA = "driftcheck/exports/v1"

Json = dict[str, Any]


@dataclass(frozen=True)
class Transition:
    old: str
    new: str
    objects: int


@dataclass(frozen=True)
class AttributeSummary:
    """One attribute of one connector: how many objects change it, and how."""

    name: str
    objects: int
    kinds: Mapping[str, int]
    values_added: int
    values_removed: int
    multivalued: bool
    binary: bool
    transitions: tuple[Transition, ...]
    #: more distinct transitions than were counted: the counts are lower bounds
    approximate: bool = False
    #: the configuration differences that explain the changes (``compare --pending``)
    explained_by: tuple[str, ...] = ()
    #: transitions with what old and new share cut (``…@contoso.com`` -> ``…@corp.contoso.com``)
    patterns: tuple[Transition, ...] = ()

    def to_json(self, *, explained: bool = False) -> Json:
        data: Json = {
            "name": self.name,
            "objects": self.objects,
            "kinds": dict(self.kinds),
            "values_added": self.values_added,
            "values_removed": self.values_removed,
            "multivalued": self.multivalued,
            "binary": self.binary,
            "transitions": [
                {"old": t.old, "new": t.new, "objects": t.objects} for t in self.transitions
            ],
            "transitions_approximate": self.approximate,
            "patterns": [{"old": t.old, "new": t.new, "objects": t.objects} for t in self.patterns],
        }
        if explained:
            data["explained_by"] = list(self.explained_by)
        return data


@dataclass(frozen=True)
class OperationCounts:
    adds: int = 0
    updates: int = 0
    deletes: int = 0
    delete_adds: int = 0

    @property
    def total(self) -> int:
        return self.adds + self.updates + self.deletes + self.delete_adds

    def to_json(self) -> Json:
        return {
            "adds": self.adds,
            "updates": self.updates,
            "deletes": self.deletes,
            "delete_adds": self.delete_adds,
        }


@dataclass(frozen=True)
class FileInfo:
    """One csexport file read, and how its connector was named."""

    file: str
    connector: str
    #: ``--connector``, ``manifest`` or ``file name``
    named_by: str
    objects: int


@dataclass(frozen=True)
class ConnectorSummary:
    name: str
    #: ``entra-id``, ``ad``, ``other`` or ``unknown``
    kind: str
    #: where the kind comes from (``--config``, ``name``, ``attributes``, ``unknown``)
    kind_from: str
    files: tuple[str, ...]
    #: every cs-object in the files, changed or not
    cs_objects: int
    counts: OperationCounts
    #: ``update`` and ``replace`` are both counted as updates; this is the replaces
    replaces: int
    object_types: Mapping[str, OperationCounts]
    attributes: tuple[AttributeSummary, ...]
    escrowed: int
    unconfirmed: int
    #: objects with a change whose old values were not in the file (no synchronized hologram)
    without_old_values: int
    deletion_threshold: int
    deletion_threshold_from: str
    #: the Enabled flag from --config (None: unknown)
    deletion_threshold_enabled: bool | None

    @property
    def objects(self) -> int:
        return self.counts.total

    def to_json(self, *, explained: bool = False) -> Json:
        return {
            "name": self.name,
            "kind": self.kind,
            "kind_from": self.kind_from,
            "files": list(self.files),
            "cs_objects": self.cs_objects,
            "objects": self.objects,
            **self.counts.to_json(),
            "replaces": self.replaces,
            "escrowed": self.escrowed,
            "unconfirmed": self.unconfirmed,
            "without_old_values": self.without_old_values,
            "deletion_threshold": {
                "value": self.deletion_threshold,
                "from": self.deletion_threshold_from,
                "enabled": self.deletion_threshold_enabled,
            },
            "object_types": {k: v.to_json() for k, v in self.object_types.items()},
            "attributes": [a.to_json(explained=explained) for a in self.attributes],
        }


@dataclass(frozen=True)
class Example:
    dn: str
    display_name: str
    user_principal_name: str
    old: str
    new: str

    def to_json(self) -> Json:
        return {
            "dn": self.dn,
            "display_name": self.display_name,
            "user_principal_name": self.user_principal_name,
            "old": self.old,
            "new": self.new,
        }


@dataclass(frozen=True)
class PendingFinding:
    severity: Severity
    rule: str
    connector: str
    attribute: str | None
    objects: int
    message: str
    examples: tuple[Example, ...] = ()

    def to_json(self) -> Json:
        return {
            "severity": self.severity.value,
            "rule": self.rule,
            "connector": self.connector,
            "attribute": self.attribute,
            "objects": self.objects,
            "message": self.message,
            "examples": [e.to_json() for e in self.examples],
        }


@dataclass(frozen=True)
class Summary:
    #: ``fail`` (a finding at or above ``fail_on``) or ``pass``
    verdict: str
    fail_on: Severity
    counts: OperationCounts
    findings: Mapping[str, int]

    @property
    def objects(self) -> int:
        return self.counts.total

    @property
    def failed(self) -> bool:
        return self.verdict == "fail"

    def to_json(self) -> Json:
        return {
            "verdict": self.verdict,
            "fail_on": self.fail_on.value,
            "objects": self.objects,
            **self.counts.to_json(),
            "findings": dict(self.findings),
        }


@dataclass(frozen=True)
class ExportsResult:
    summary: Summary
    connectors: tuple[ConnectorSummary, ...]
    findings: tuple[PendingFinding, ...]
    files: tuple[FileInfo, ...]
    #: the server named by the export script's manifest ("" when unknown)
    server: str = ""
    #: the configuration export read for connector types and the deletion threshold
    config: str | None = None
    warnings: tuple[str, ...] = ()
    #: attributes carry ``explained_by`` (the result is part of a compare report)
    explained: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> Json:
        return {
            "schema": SCHEMA,
            "summary": self.summary.to_json(),
            "server": self.server,
            "config": self.config,
            "files": [
                {
                    "file": f.file,
                    "connector": f.connector,
                    "named_by": f.named_by,
                    "cs_objects": f.objects,
                }
                for f in self.files
            ],
            "connectors": [c.to_json(explained=self.explained) for c in self.connectors],
            "findings": [f.to_json() for f in self.findings],
            "warnings": list(self.warnings),
        }

    def explain(self, explanations: Mapping[tuple[str, str], tuple[str, ...]]) -> ExportsResult:
        """A copy whose attributes say which differences explain them, keyed by
        (connector, attribute name casefolded)."""
        connectors = tuple(
            replace(
                c,
                attributes=tuple(
                    replace(a, explained_by=explanations.get((c.name, a.name.casefold()), ()))
                    for a in c.attributes
                ),
            )
            for c in self.connectors
        )
        return replace(self, connectors=connectors, explained=True)

    @classmethod
    def from_json(cls, data: object, name: str = "JSON") -> ExportsResult:
        """Read a ``driftcheck/exports/v1`` document back (a compare report's ``pending``)."""
        try:
            return _from_json(data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(f"not a {SCHEMA} document ({exc})", file=name) from None


def _counts(d: Mapping[str, Any]) -> OperationCounts:
    return OperationCounts(
        int(d.get("adds", 0)),
        int(d.get("updates", 0)),
        int(d.get("deletes", 0)),
        int(d.get("delete_adds", 0)),
    )


def _from_json(data: Any) -> ExportsResult:
    if data.get("schema") != SCHEMA:
        raise ValueError(f"schema is {data.get('schema')!r}")
    s = data["summary"]
    summary = Summary(
        verdict=str(s["verdict"]),
        fail_on=Severity(s.get("fail_on", "warning")),
        counts=_counts(s),
        findings={str(k): int(v) for k, v in s.get("findings", {}).items()},
    )
    connectors = []
    explained = False
    for c in data["connectors"]:
        attributes = []
        for a in c["attributes"]:
            explained = explained or "explained_by" in a
            attributes.append(
                AttributeSummary(
                    name=str(a["name"]),
                    objects=int(a["objects"]),
                    kinds={str(k): int(v) for k, v in a["kinds"].items()},
                    values_added=int(a["values_added"]),
                    values_removed=int(a["values_removed"]),
                    multivalued=bool(a.get("multivalued", False)),
                    binary=bool(a.get("binary", False)),
                    transitions=tuple(
                        Transition(str(t["old"]), str(t["new"]), int(t["objects"]))
                        for t in a["transitions"]
                    ),
                    approximate=bool(a.get("transitions_approximate", False)),
                    patterns=tuple(
                        Transition(str(t["old"]), str(t["new"]), int(t["objects"]))
                        for t in a.get("patterns", ())
                    ),
                    explained_by=tuple(str(x) for x in a.get("explained_by", ())),
                )
            )
        threshold = c.get("deletion_threshold", {})
        connectors.append(
            ConnectorSummary(
                name=str(c["name"]),
                kind=str(c.get("kind", "unknown")),
                kind_from=str(c.get("kind_from", "unknown")),
                files=tuple(str(f) for f in c["files"]),
                cs_objects=int(c.get("cs_objects", c["objects"])),
                counts=_counts(c),
                replaces=int(c.get("replaces", 0)),
                object_types={str(k): _counts(v) for k, v in c["object_types"].items()},
                attributes=tuple(attributes),
                escrowed=int(c.get("escrowed", 0)),
                unconfirmed=int(c.get("unconfirmed", 0)),
                without_old_values=int(c.get("without_old_values", 0)),
                deletion_threshold=int(threshold.get("value", 500)),
                deletion_threshold_from=str(threshold.get("from", "")),
                deletion_threshold_enabled=threshold.get("enabled"),
            )
        )
    findings = tuple(
        PendingFinding(
            severity=Severity(f["severity"]),
            rule=str(f["rule"]),
            connector=str(f["connector"]),
            attribute=None if f.get("attribute") is None else str(f["attribute"]),
            objects=int(f["objects"]),
            message=str(f["message"]),
            examples=tuple(
                Example(
                    str(e.get("dn", "")),
                    str(e.get("display_name", "")),
                    str(e.get("user_principal_name", "")),
                    str(e.get("old", "")),
                    str(e.get("new", "")),
                )
                for e in f.get("examples", ())
            ),
        )
        for f in data["findings"]
    )
    files = tuple(
        FileInfo(str(f["file"]), str(f["connector"]), str(f["named_by"]), int(f["cs_objects"]))
        for f in data.get("files", ())
    )
    return ExportsResult(
        summary=summary,
        connectors=tuple(connectors),
        findings=findings,
        files=files,
        server=str(data.get("server", "")),
        config=data.get("config"),
        warnings=tuple(str(w) for w in data.get("warnings", ())),
        explained=explained,
    )
