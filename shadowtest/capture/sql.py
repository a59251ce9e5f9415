"""The Amazon Athena SQL of the comparison: the table over the capture prefix and the
query that pairs and compares the two variants there."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Final

__all__ = ["QUERY_COLUMNS", "athena_sql", "query_sql", "table_name", "table_sql"]


def athena_sql(
    *,
    destination: str,
    endpoint_name: str,
    production_variant: str,
    shadow_variant: str,
    table: str | None = None,
    output_json_path: str | None = None,
    since: datetime | None = None,
) -> str:
    """The same pairing, run by Amazon Athena over the whole capture prefix: a ``CREATE
    EXTERNAL TABLE`` (JSON SerDe, partition projection on variant and hour, so nothing
    needs ``MSCK REPAIR``) and a query reporting paired and unpaired counts, duplicates,
    exact matches and, where outputs read as numbers (not two integers, which are
    labels), the absolute and relative differences' count, mean, p50/p90/p99
    (``approx_percentile``) and max. Run the two statements one after the other.

    ``output_json_path`` (e.g. ``'$.predictions[0]'``) picks the number out of JSON
    outputs; ``since`` limits the query to records from that instant on (the hours
    before it are not read). ``table`` defaults to :func:`table_name` of the capture
    location and the two variants, so two experiments never share a table.
    """
    if table is None:
        table = table_name(destination=destination, endpoint_name=endpoint_name,
                           production_variant=production_variant,
                           shadow_variant=shadow_variant)
    return (table_sql(destination=destination, endpoint_name=endpoint_name,
                      production_variant=production_variant, shadow_variant=shadow_variant,
                      table=table)
            + ";\n\n"
            + query_sql(production_variant=production_variant, shadow_variant=shadow_variant,
                        table=table, output_json_path=output_json_path, since=since)
            + ";\n")


def table_name(*, destination: str, endpoint_name: str, production_variant: str,
               shadow_variant: str) -> str:
    """``shadowtest_capture_<16 hex digits>``: the table of one capture location and pair
    of variants. ``CREATE EXTERNAL TABLE IF NOT EXISTS`` keeps a table's first location
    and variants, so one shared name would let a comparison read another endpoint's (or
    another destination's) files; a name derived from all four never does."""
    key = "\n".join((_location(destination, endpoint_name), production_variant,
                     shadow_variant))
    return "shadowtest_capture_" + hashlib.sha256(key.encode()).hexdigest()[:16]


def _location(destination: str, endpoint_name: str) -> str:
    if not destination.startswith("s3://"):
        raise ValueError(f"destination must be an s3:// URI, got {destination!r}")
    return f"{destination.rstrip('/')}/{endpoint_name}/"


def table_sql(*, destination: str, endpoint_name: str, production_variant: str,
              shadow_variant: str, table: str | None = None) -> str:
    """The ``CREATE EXTERNAL TABLE IF NOT EXISTS`` over ``<destination>/<endpoint>/``
    (named :func:`table_name` unless ``table`` is given)."""
    location = _location(destination, endpoint_name)
    if table is None:
        table = table_name(destination=destination, endpoint_name=endpoint_name,
                           production_variant=production_variant,
                           shadow_variant=shadow_variant)
    _check_table(table)
    variants = f"{production_variant},{shadow_variant}"
    part = "struct<observedcontenttype: string, mode: string, data: string, encoding: string>"
    return f"""CREATE EXTERNAL TABLE IF NOT EXISTS {table} (
  capturedata struct<
    endpointinput: {part},
    endpointoutput: {part}>,
  eventmetadata struct<eventid: string, inferenceid: string, inferencetime: string>,
  eventversion string)
PARTITIONED BY (variant string, hour string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
LOCATION {_sql_string(location)}
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.variant.type' = 'enum',
  'projection.variant.values' = {_sql_string(variants)},
  'projection.hour.type' = 'date',
  'projection.hour.format' = 'yyyy/MM/dd/HH',
  'projection.hour.range' = '2020/01/01/00,NOW',
  'projection.hour.interval' = '1',
  'projection.hour.interval.unit' = 'HOURS',
  'storage.location.template' = {_sql_string(location + "${variant}/${hour}/")}
)"""


QUERY_COLUMNS: Final = (
    "paired", "unpaired_production", "unpaired_shadow", "duplicates", "exact_matches",
    "label_pairs", "label_agreements", "text_only_production", "text_only_shadow",
    "numeric_pairs",
    "difference_mean", "difference_p50", "difference_p90", "difference_p99", "difference_max",
    "relative_count", "relative_mean", "relative_p50", "relative_p90", "relative_p99",
    "relative_max")
"""The columns of the one row :func:`query_sql` answers, in order."""


def query_sql(*, production_variant: str, shadow_variant: str, table: str,
              output_json_path: str | None = None, since: datetime | None = None) -> str:
    """The comparison query over the table of :func:`table_sql` (Athena's engine, Trino):
    one row of :data:`QUERY_COLUMNS`."""
    _check_table(table)
    production, shadow = _sql_string(production_variant), _sql_string(shadow_variant)

    json_value = "trim(payload)" if output_json_path is None else (
        f"json_format(json_extract(payload, {_sql_string(output_json_path)}))")
    # since: the hour partitions from its hour on (the rest are not read), then the exact
    # instant, as compare_captures skips records whose inferenceTime, in whole seconds, is
    # before since's (floor(t) >= s is t >= s for a whole s); no or a bad time is skipped
    hour = "" if since is None else (
        "\n    AND hour >= "
        + _sql_string(since.astimezone(timezone.utc).strftime("%Y/%m/%d/%H"))
        + "\n    AND try(from_iso8601_timestamp(eventmetadata.inferencetime))"
          " >= from_iso8601_timestamp("
        + _sql_string(since.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")) + ")")
    return f"""WITH records AS (
  SELECT variant,
         coalesce(nullif(eventmetadata.inferenceid, ''), eventmetadata.eventid) AS id,
         capturedata.endpointoutput.encoding AS encoding,
         capturedata.endpointoutput.data AS data,
         CASE
           WHEN capturedata.endpointoutput.encoding = 'JSON' THEN 'json'
           WHEN capturedata.endpointoutput.encoding = 'CSV' THEN 'csv'
           WHEN capturedata.endpointoutput.encoding <> 'BASE64' THEN NULL
           WHEN lower(capturedata.endpointoutput.observedcontenttype) LIKE '%json%' THEN 'json'
           WHEN lower(capturedata.endpointoutput.observedcontenttype) LIKE '%csv%' THEN 'csv'
           END AS format
  FROM {table}
  WHERE variant IN ({production}, {shadow}){hour}
),
texts AS (
  SELECT variant, id, data, format,
         CASE WHEN encoding = 'BASE64' THEN try(from_utf8(from_base64(data)))
              ELSE data END AS payload
  FROM records
  WHERE format IS NOT NULL
  UNION ALL
  SELECT variant, id, data, format, NULL AS payload FROM records WHERE format IS NULL
),
scalars AS (
  SELECT variant, id, data, format,
         CASE format WHEN 'json' THEN {json_value} ELSE trim(payload) END AS v
  FROM texts
),
outputs AS (
  -- each output as the scalar compare_captures reads, kind:value (i integer, f float,
  -- b boolean, s string), or x:<the captured data> for anything else, compared as text
  SELECT variant, id,
         CASE
           WHEN format = 'json' AND regexp_like(v, '^-?(0|[1-9][0-9]*)$') THEN 'i:' || v
           WHEN format = 'json' AND regexp_like(
             v, '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?$') THEN 'f:' || v
           WHEN format = 'json' AND v IN ('true', 'false') THEN 'b:' || v
           WHEN format = 'json' AND regexp_like(v, '^"([^"\\\\]|\\\\.)*"$')
             THEN 's:' || substr(v, 2, length(v) - 2)
           WHEN format = 'csv' AND v <> '' AND strpos(v, ',') = 0 AND strpos(v, '"') = 0
                AND strpos(v, chr(10)) = 0 THEN CASE
             WHEN regexp_like(v, '^[-+]?[0-9]+$') THEN 'i:' || v
             WHEN regexp_like(v, '^[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?$')
               THEN 'f:' || v
             ELSE 's:' || v END
           ELSE 'x:' || coalesce(data, '') END AS output
  FROM scalars
),
sides AS (
  SELECT id,
         count_if(variant = {production}) AS production_records,
         count_if(variant = {shadow}) AS shadow_records,
         arbitrary(output) FILTER (WHERE variant = {production}) AS production,
         arbitrary(output) FILTER (WHERE variant = {shadow}) AS shadow
  FROM outputs
  GROUP BY id
),
paired AS (
  SELECT substr(production, 1, 1) AS production_kind, substr(production, 3) AS production_value,
         substr(shadow, 1, 1) AS shadow_kind, substr(shadow, 3) AS shadow_value
  FROM sides
  WHERE production_records > 0 AND shadow_records > 0
),
pairs AS (
  SELECT *,
         CASE WHEN production_kind IN ('i', 'f') THEN try_cast(production_value AS double)
              WHEN production_kind = 'b' THEN IF(production_value = 'true', 1e0, 0e0)
              END AS production_number,
         CASE WHEN shadow_kind IN ('i', 'f') THEN try_cast(shadow_value AS double)
              WHEN shadow_kind = 'b' THEN IF(shadow_value = 'true', 1e0, 0e0)
              END AS shadow_number,
         (production_kind IN ('i', 'f') AND shadow_kind IN ('i', 'f')
          AND (production_kind = 'f' OR shadow_kind = 'f')) AS is_numeric,
         (production_kind IN ('i', 's', 'b') AND shadow_kind IN ('i', 's', 'b')) AS is_label
  FROM paired
),
numbers AS (
  SELECT abs(shadow_number - production_number) AS difference,
         abs(shadow_number - production_number)
           / nullif(abs(production_number), 0) AS relative
  FROM pairs
  WHERE is_numeric
),
counts AS (
  SELECT count_if(production_records > 0 AND shadow_records > 0) AS paired,
         count_if(shadow_records = 0) AS unpaired_production,
         count_if(production_records = 0) AS unpaired_shadow,
         sum(greatest(production_records - 1, 0)
             + greatest(shadow_records - 1, 0)) AS duplicates
  FROM sides
),
matches AS (
  -- decoded outputs equal: numbers (1 and 1.0, true and 1) by value, strings by text
  SELECT count_if(CASE
           WHEN production_number IS NOT NULL AND shadow_number IS NOT NULL
             THEN production_number = shadow_number
           WHEN production_kind = shadow_kind AND production_kind IN ('s', 'x')
             THEN production_value = shadow_value
           ELSE false END) AS exact_matches,
         count_if(is_label) AS label_pairs,
         count_if(is_label AND CASE
           WHEN production_kind = 's' AND shadow_kind = 's'
             THEN production_value = shadow_value
           WHEN production_kind <> 's' AND shadow_kind <> 's'
             THEN production_number = shadow_number
           ELSE false END) AS label_agreements,
         count_if(production_kind = 'x') AS text_only_production,
         count_if(shadow_kind = 'x') AS text_only_shadow
  FROM pairs
),
differences AS (
  SELECT count(difference) AS numeric_pairs,
         avg(difference) AS difference_mean,
         approx_percentile(difference, 0.5) AS difference_p50,
         approx_percentile(difference, 0.9) AS difference_p90,
         approx_percentile(difference, 0.99) AS difference_p99,
         max(difference) AS difference_max,
         count(relative) AS relative_count,
         avg(relative) AS relative_mean,
         approx_percentile(relative, 0.5) AS relative_p50,
         approx_percentile(relative, 0.9) AS relative_p90,
         approx_percentile(relative, 0.99) AS relative_p99,
         max(relative) AS relative_max
  FROM numbers
)
SELECT {_columns}
FROM counts CROSS JOIN matches CROSS JOIN differences"""


_columns: Final = ",\n       ".join(QUERY_COLUMNS)


def _check_table(table: str) -> None:
    if not table or set(table) - _SQL_NAME:
        raise ValueError(f"table must be lowercase letters, digits and _, got {table!r}")


_SQL_NAME: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
