"""Asset checks: keys unique and not null, vocabularies hold, references resolve, dates sane; on the views,
the data tests of their `sql/<view>.yml`.

The rules live in `newsintel.quality`. They are grouped into one multi-check per table, so a run spends
one step per table rather than one per rule; blocking rules stop downstream assets when bad data would
flow on.
"""
from collections import defaultdict

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, multi_asset_check

from assets.resources import WarehouseResource
from newsintel.models import load_models
from newsintel.quality import Rule, rules, view_rules


def _check_table(table: str, table_rules: list[Rule]):
    specs = [AssetCheckSpec(r.name, asset=table, description=r.description, blocking=r.blocking)
             for r in table_rules]

    @multi_asset_check(specs=specs, name=f"{table}_checks", can_subset=True)
    def _checks(context, warehouse: WarehouseResource):
        selected = {k.name for k in context.selected_asset_check_keys}
        with warehouse.get().reader() as con:
            for rule in table_rules:
                if rule.name not in selected:
                    continue
                bad = con.execute(rule.sql).fetchone()[0]
                yield AssetCheckResult(asset_key=table, check_name=rule.name, passed=bad == 0,
                                       metadata={"offending_rows": bad, "sql": rule.sql},
                                       severity=AssetCheckSeverity.ERROR if rule.blocking else AssetCheckSeverity.WARN)
    return _checks


_BY_TABLE: dict[str, list[Rule]] = defaultdict(list)
for _rule in rules() + view_rules(load_models()):
    _BY_TABLE[_rule.table].append(_rule)
CHECKS = [_check_table(table, table_rules) for table, table_rules in sorted(_BY_TABLE.items())]
