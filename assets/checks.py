"""Asset checks: keys unique and not null, vocabularies hold, references resolve, dates sane; on the views,
the data tests of their `sql/<view>.yml`.

The rules live in `newsintel.quality`. They are grouped into one multi-check per table, so a run spends
one step per table rather than one per rule; blocking rules stop downstream assets when bad data would
flow on.

What a check reads depends on the run it is in. In a run that materialized its table, the rows that run
wrote, by key (scope "this run"): a run's cost then follows its new work, not the archive. Anywhere else
(the daily `quality_sweep_job`, a check launched by hand) every row (scope "full sweep"). The views'
checks read whole views, so the scrape job leaves them to the sweep (`RUN_CHECKS` is what it runs).
"""
from collections import defaultdict
from datetime import datetime, timezone

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey, MetadataValue, multi_asset_check

from assets.resources import WarehouseResource
from newsintel.models import load_models
from newsintel.quality import Rule, rules, run_rules, view_rules


def run_started(context, table: str) -> datetime | None:
    """When this run started, if it materialized `table` (its rows are then the ones written since);
    None otherwise, and the check sweeps the whole table."""
    run_id = context.op_execution_context.run_id
    event = context.instance.get_latest_materialization_event(AssetKey(table))
    if event is None or event.run_id != run_id:
        return None
    record = context.instance.get_run_record_by_id(run_id)
    started = record.start_time if record is not None else None
    return datetime.fromtimestamp(started, timezone.utc).replace(tzinfo=None) if started else None


def _check_table(table: str, table_rules: list[Rule]):
    specs = [AssetCheckSpec(r.name, asset=table, description=r.description, blocking=r.blocking)
             for r in table_rules]

    @multi_asset_check(specs=specs, name=f"{table}_checks", can_subset=True)
    def _checks(context, warehouse: WarehouseResource):
        selected = {k.name for k in context.selected_asset_check_keys}
        chosen = [r for r in table_rules if r.name in selected]
        since = run_started(context, table)
        with warehouse.get().reader() as con:
            for out in run_rules(con, table, chosen, since=since):
                rule = out.rule
                yield AssetCheckResult(
                    asset_key=table, check_name=rule.name, passed=out.offending == 0,
                    metadata={"offending_rows": out.offending, "rows_checked": out.rows_checked,
                              "scope": out.scope, "sql": MetadataValue.text(out.sql)},
                    severity=AssetCheckSeverity.ERROR if rule.blocking else AssetCheckSeverity.WARN)
    return _checks


_TABLE_RULES: dict[str, list[Rule]] = defaultdict(list)
for _rule in rules():
    _TABLE_RULES[_rule.table].append(_rule)
_VIEW_RULES: dict[str, list[Rule]] = defaultdict(list)
for _rule in view_rules(load_models()):
    _VIEW_RULES[_rule.table].append(_rule)
RUN_CHECKS = [_check_table(table, table_rules) for table, table_rules in sorted(_TABLE_RULES.items())]
VIEW_CHECKS = [_check_table(view, view_rules_) for view, view_rules_ in sorted(_VIEW_RULES.items())]
CHECKS = RUN_CHECKS + VIEW_CHECKS
