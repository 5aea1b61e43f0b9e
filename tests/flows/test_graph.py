"""The flow graph of one server: chains read off the genuine export's own rule files."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from driftcheck.errors import InputError
from driftcheck.flows.graph import build_graph, expression_reads
from driftcheck.flows.select import select_chains, trace_target
from driftcheck.model.server import ServerConfiguration
from driftcheck.read.extract import server_configuration
from driftcheck.read.files import read_export


def _rules(export: Path) -> list[etree._Element]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return [
        etree.parse(str(f), parser).getroot()
        for f in sorted((export / "SynchronizationRules").glob("*.xml"))
    ]


def _text(el: etree._Element, name: str) -> str:
    found = el.find(name)
    return (found.text or "").strip() if found is not None and found.text else ""


def _writers(export: Path, mv_type: str, attribute: str) -> list[tuple[int, str, bool, bool]]:
    """(precedence, name, scoped, disabled) of every inbound rule mapping into the attribute,
    straight from the XML."""
    found = []
    for rule in _rules(export):
        if _text(rule, "direction") != "Inbound" or _text(rule, "targetObjectType") != mv_type:
            continue
        dests = [_text(m, "dest") for m in rule.iter("mapping")]
        if attribute in dests:
            scoped = any(True for _ in rule.iter("scope"))
            disabled = _text(rule, "disabled").lower() == "true"
            found.append((int(_text(rule, "precedence")), _text(rule, "name"), scoped, disabled))
    return sorted(found)


@pytest.fixture(scope="module")
def contoso() -> tuple[Path, ServerConfiguration]:
    from tests.conftest import REFERENCE

    if not REFERENCE.is_dir():
        pytest.skip("../shared/reference-exports/contoso is not present")
    return REFERENCE, server_configuration(read_export(REFERENCE))


def test_department_is_written_by_the_ranked_inbound_rules_of_the_rule_files(
    contoso: tuple[Path, ServerConfiguration],
) -> None:
    export, config = contoso
    chain = build_graph(config).chain("person", "department")
    assert chain is not None
    expected = _writers(export, "person", "department")
    assert len(expected) >= 3
    assert [(c.precedence, c.rule, c.scoped, not c.enabled) for c in chain.inbound] == expected
    assert [c.rank for c in chain.inbound] == list(range(1, len(expected) + 1))
    # users, inetOrgPersons and contacts all write it, some of them scoped
    assert {c.cs_object_type for c in chain.inbound} >= {"user", "inetOrgPerson", "contact"}
    assert any(c.scoped for c in chain.inbound) and any(not c.scoped for c in chain.inbound)
    first_unscoped = next(c for c in chain.inbound if not c.scoped and c.enabled)
    assert chain.winner is not None and chain.winner.rule == first_unscoped.rule
    assert chain.winner.applies_to.startswith(f"all objects from {first_unscoped.connector}")
    # and it flows on to the Entra ID connector's department
    assert {(o.connector, o.target) for o in chain.outbound} == {
        ("contoso.onmicrosoft.com - AAD", "department")
    }


def test_cloud_filtered_comes_from_the_join_rules_expressions(
    contoso: tuple[Path, ServerConfiguration],
) -> None:
    export, config = contoso
    chain = build_graph(config).chain("person", "cloudFiltered")
    assert chain is not None
    expected = _writers(export, "person", "cloudFiltered")
    assert [c.rule for c in chain.inbound] == [name for _, name, _, _ in expected]
    assert all(c.flow_type == "expression" for c in chain.inbound)
    assert all(c.link_type == "Provision" for c in chain.inbound)
    # what the expressions read, from the lexer's tokens: every [attribute] of the expression
    for contribution in chain.inbound:
        assert set(expression_reads(contribution.source)) <= set(contribution.reads)
        assert "isCriticalSystemObject" in contribution.reads


def test_the_entra_id_user_principal_name_traced_back(
    contoso: tuple[Path, ServerConfiguration],
) -> None:
    _, config = contoso
    graph = build_graph(config)
    selection = trace_target(graph, "contoso.onmicrosoft.com - aad", "userPrincipalName")
    assert selection.target is not None
    assert selection.target.connector == "contoso.onmicrosoft.com - AAD"
    assert all(o.target == "userPrincipalName" for o in selection.target.outbound)
    assert ("person", "userPrincipalName") in selection.target.sources
    chain = next(c for c in selection.chains if c.attribute == "userPrincipalName")
    assert chain.inbound and all(c.connector == "contoso.com" for c in chain.inbound)


def test_expression_reads_skip_string_literals_and_keep_order() -> None:
    text = 'IIF(IsPresent([mail]), "[notAnAttribute]" & [ cn ], [mail] & &H21C07000)'
    assert expression_reads(text) == ("mail", "cn")


def test_disabled_rules_are_listed_and_never_win(minimal_export: Path) -> None:
    rule = next((minimal_export / "SynchronizationRules").glob("*.xml"))
    text = rule.read_text()
    assert "<disabled>" in text
    rule.write_text(text.replace("<disabled>False</disabled>", "<disabled>True</disabled>"))
    graph = build_graph(server_configuration(read_export(minimal_export)))
    chains = [c for c in graph.chains if c.inbound]
    assert chains and all(not c.inbound[0].enabled for c in chains)
    assert all(c.winner is None for c in chains)
    assert any("never contributes" in line for c in chains for line in c.order)


def test_selection_names_what_it_does_not_find(contoso: tuple[Path, ServerConfiguration]) -> None:
    graph = build_graph(contoso[1])
    with pytest.raises(InputError, match="no metaverse attribute flow matches 'person nope'"):
        select_chains(graph, attribute="nope", object_type="person")
    with pytest.raises(InputError, match="no outbound flow writes"):
        trace_target(graph, "contoso.com", "nope")
    assert select_chains(graph, attribute="DEPARTMENT").chains
