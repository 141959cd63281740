"""Asset checks: keys unique and not null, vocabularies hold, references resolve, dates sane.

The rules live in `newsintel.quality`; blocking ones stop downstream assets when bad data would flow on.
"""
from dagster import AssetCheckResult, AssetCheckSeverity, asset_check

from newsintel.quality import Rule, rules
from pipelines.resources import WarehouseResource

# Tables whose asset key differs from the table name.
ASSET_OF_TABLE = {}


def _make_check(rule: Rule):
    @asset_check(asset=ASSET_OF_TABLE.get(rule.table, rule.table), name=rule.name, description=rule.description,
                 blocking=rule.blocking)
    def _check(warehouse: WarehouseResource) -> AssetCheckResult:
        with warehouse.get().reader() as con:
            bad = con.execute(rule.sql).fetchone()[0]
        return AssetCheckResult(passed=bad == 0, metadata={"offending_rows": bad},
                                severity=AssetCheckSeverity.ERROR if rule.blocking else AssetCheckSeverity.WARN)
    return _check


CHECKS = [_make_check(r) for r in rules()]
