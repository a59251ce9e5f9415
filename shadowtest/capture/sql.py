"""The Amazon Athena SQL of the comparison: the table over the capture prefix and the
query that pairs and compares the two variants there."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Final

__all__ = ["athena_sql"]


def athena_sql(
    *,
    destination: str,
    endpoint_name: str,
    production_variant: str,
    shadow_variant: str,
    table: str = "shadowtest_capture",
    output_json_path: str | None = None,
    since: datetime | None = None,
) -> str:
    """The same pairing, run by Amazon Athena over the whole capture prefix: a ``CREATE
    EXTERNAL TABLE`` (JSON SerDe, partition projection on variant and hour, so nothing
    needs ``MSCK REPAIR``) and a query reporting paired and unpaired counts, duplicates,
    the exact-match rate and, where outputs read as numbers, absolute-difference mean,
    p50/p90/p99 and max. Run the two statements one after the other.

    ``output_json_path`` (e.g. ``'$.predictions[0]'``) picks the number out of JSON
    outputs; ``since`` limits the query to hours from then on.
    """
    if not destination.startswith("s3://"):
        raise ValueError(f"destination must be an s3:// URI, got {destination!r}")
    if not table or set(table) - _SQL_NAME:
        raise ValueError(f"table must be lowercase letters, digits and _, got {table!r}")
    location = f"{destination.rstrip('/')}/{endpoint_name}/"
    value = "payload" if output_json_path is None else (
        f"json_extract_scalar(payload, {_sql_string(output_json_path)})")
    hour = "" if since is None else (
        "\n    AND hour >= "
        + _sql_string(since.astimezone(timezone.utc).strftime("%Y/%m/%d/%H")))
    variants = f"{production_variant},{shadow_variant}"
    part = "struct<observedcontenttype: string, mode: string, data: string, encoding: string>"
    production, shadow = _sql_string(production_variant), _sql_string(shadow_variant)
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
);

WITH records AS (
  SELECT variant,
         coalesce(nullif(eventmetadata.inferenceid, ''), eventmetadata.eventid) AS id,
         CASE capturedata.endpointoutput.encoding
           WHEN 'BASE64' THEN from_utf8(from_base64(capturedata.endpointoutput.data))
           ELSE capturedata.endpointoutput.data END AS payload
  FROM {table}
  WHERE variant IN ({production}, {shadow}){hour}
),
sides AS (
  SELECT id,
         count_if(variant = {production}) AS production_records,
         count_if(variant = {shadow}) AS shadow_records,
         arbitrary(payload) FILTER (WHERE variant = {production}) AS production,
         arbitrary(payload) FILTER (WHERE variant = {shadow}) AS shadow
  FROM records
  GROUP BY id
),
pairs AS (
  SELECT *,
         abs(try_cast({value.replace('payload', 'shadow')} AS double)
             - try_cast({value.replace('payload', 'production')} AS double)) AS difference
  FROM sides
)
SELECT count_if(production_records > 0 AND shadow_records > 0) AS paired,
       count_if(shadow_records = 0) AS unpaired_production,
       count_if(production_records = 0) AS unpaired_shadow,
       sum(greatest(production_records - 1, 0) + greatest(shadow_records - 1, 0)) AS duplicates,
       avg(IF(production = shadow, 1.0, 0.0))
         FILTER (WHERE production_records > 0 AND shadow_records > 0) AS exact_match_rate,
       count(difference) AS numeric_pairs,
       avg(difference) AS difference_mean,
       approx_percentile(difference, 0.5) AS difference_p50,
       approx_percentile(difference, 0.9) AS difference_p90,
       approx_percentile(difference, 0.99) AS difference_p99,
       max(difference) AS difference_max
FROM pairs;
"""


_SQL_NAME: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
