CREATE EXTERNAL TABLE IF NOT EXISTS shadowtest_capture_dd6ff819aaf5c742 (
  capturedata struct<
    endpointinput: struct<observedcontenttype: string, mode: string, data: string, encoding: string>,
    endpointoutput: struct<observedcontenttype: string, mode: string, data: string, encoding: string>>,
  eventmetadata struct<eventid: string, inferenceid: string, inferencetime: string>,
  eventversion string)
PARTITIONED BY (variant string, hour string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
LOCATION 's3://ml-captures/churn/churn/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.variant.type' = 'enum',
  'projection.variant.values' = 'production,shadow',
  'projection.hour.type' = 'date',
  'projection.hour.format' = 'yyyy/MM/dd/HH',
  'projection.hour.range' = '2020/01/01/00,NOW',
  'projection.hour.interval' = '1',
  'projection.hour.interval.unit' = 'HOURS',
  'storage.location.template' = 's3://ml-captures/churn/churn/${variant}/${hour}/'
);

WITH records AS (
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
  FROM shadowtest_capture_dd6ff819aaf5c742
  WHERE variant IN ('production', 'shadow')
    AND hour >= '2026/12/01/09'
    AND try(from_iso8601_timestamp(eventmetadata.inferencetime)) >= from_iso8601_timestamp('2026-12-01T09:00:00Z')
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
         CASE format WHEN 'json' THEN json_format(json_extract(payload, '$.predictions[0]')) ELSE trim(payload) END AS v
  FROM texts
),
outputs AS (
  -- each output as the scalar compare_captures reads, kind:value (i integer, f float,
  -- b boolean, s string), or x:<the captured data> for anything else, compared as text
  SELECT variant, id,
         CASE
           WHEN format = 'json' AND regexp_like(v, '^-?(0|[1-9][0-9]*)$') THEN 'i:' || v
           WHEN format = 'json' AND regexp_like(
             v, '^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$') THEN 'f:' || v
           WHEN format = 'json' AND v IN ('true', 'false') THEN 'b:' || v
           WHEN format = 'json' AND regexp_like(v, '^"([^"\\]|\\.)*"$')
             THEN 's:' || substr(v, 2, length(v) - 2)
           WHEN format = 'csv' AND v <> '' AND strpos(v, ',') = 0 AND strpos(v, '"') = 0
                AND strpos(v, chr(10)) = 0 THEN CASE
             WHEN regexp_like(v, '^[-+]?[0-9]+$') THEN 'i:' || v
             WHEN regexp_like(v, '^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$')
               THEN 'f:' || v
             ELSE 's:' || v END
           ELSE 'x:' || coalesce(data, '') END AS output
  FROM scalars
),
sides AS (
  SELECT id,
         count_if(variant = 'production') AS production_records,
         count_if(variant = 'shadow') AS shadow_records,
         arbitrary(output) FILTER (WHERE variant = 'production') AS production,
         arbitrary(output) FILTER (WHERE variant = 'shadow') AS shadow
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
SELECT paired,
       unpaired_production,
       unpaired_shadow,
       duplicates,
       exact_matches,
       label_pairs,
       label_agreements,
       text_only_production,
       text_only_shadow,
       numeric_pairs,
       difference_mean,
       difference_p50,
       difference_p90,
       difference_p99,
       difference_max,
       relative_count,
       relative_mean,
       relative_p50,
       relative_p90,
       relative_p99,
       relative_max
FROM counts CROSS JOIN matches CROSS JOIN differences;
