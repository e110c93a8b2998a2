"""`hub policy show PARTNER | check`: what a partner may receive, and whether every mapping and flow keeps to it.

``check`` is the gate before a mapping change is merged: it fails (exit 1) naming the mapping file, the
target and the field when a mapping would send a field its partner's policy does not allow, or when a
declared outbound flow's record type is not allowed (deny by default: a partner without a policy file
may receive nothing). ``show`` prints a partner's policy as an operator reads it. See docs/policies.md.
"""

from __future__ import annotations

import click

from hub import policy
from hub.errors import ConfigurationError
from hub.mapping import load_mapping
from hub.settings import get_settings


@click.group("policy")
def command() -> None:
    """Per-partner data policies (policies/<partner>.yaml): deny by default."""


@command.command("show")
@click.argument("partner")
def show(partner: str) -> None:
    """Print what PARTNER may receive: record types, fields, row rules and legal basis."""
    try:
        found = policy.policy_for(partner)
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from error
    if found.source_path is None:
        click.echo(f"{partner}: no policy file ({found.where}): deny by default, it may receive nothing")
        return
    click.echo(f"{partner}: {found.description}  [{found.source_path}]")
    click.echo(f"  legal basis: {found.legal_basis}")
    for name, rules in found.record_types.items():
        click.echo(f"  record type {name}")
        click.echo(f"    legal basis: {rules.legal_basis}")
        click.echo(f"    fields ({len(rules.fields)}): {', '.join(sorted(rules.fields))}")
        if rules.rows:
            click.echo("    every row must satisfy:")
            for rule in rules.rows:
                click.echo(f"      - {rule}")
        else:
            click.echo("    rows: no row rule (every row of the flow)")
    click.echo("  anything else: denied")


@command.command("check")
def check() -> None:
    """Check every mapping in mappings/ and every declared outbound flow against the policies; exit 1 on
    any field or record type a partner may not receive."""
    problems: list[str] = []
    mappings = {}
    policies: dict[str, policy.PartnerPolicy] = {}

    def _policy(partner: str) -> policy.PartnerPolicy:
        if partner not in policies:
            policies[partner] = policy.policy_for(partner)
        return policies[partner]

    for path in sorted(get_settings().mappings_dir.glob("*.yaml")):
        try:
            mapping = load_mapping(path)
            mappings[mapping.partner] = mapping
            problems += [str(v) for v in _policy(mapping.partner).check_mapping(mapping)]
        except ConfigurationError as error:
            problems.append(str(error))
    flows = policy.declared_flows()
    for flow in flows:
        mapping = mappings.get(flow.partner)
        target = mapping.targets.get(flow.record_type) if mapping else None
        try:
            found = _policy(flow.partner).check_flow(flow, target)
        except ConfigurationError as error:
            problems.append(str(error))
            continue
        # A mapped field is reported once, with its mapping file, above; here what only the flow shows.
        problems += [str(v) for v in found if target is None or v.kind != "field"]
        if target is None:
            problems.append(f"flow {flow.name} ({flow.partner}): mappings/{flow.partner}.yaml has no target "
                            f"{flow.record_type}")  # fmt: skip
    for problem in dict.fromkeys(problems):
        click.echo(f"DENIED {problem}")
    if problems:
        click.echo(f"policy check failed: {len(dict.fromkeys(problems))} problem(s); fix the mapping or the policy")
        raise SystemExit(1)
    click.echo(f"policy check passed: {len(mappings)} mappings, {len(flows)} outbound flows within their policies")
