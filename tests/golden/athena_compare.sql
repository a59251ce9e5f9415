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
         CASE capturedata.endpointoutput.encoding
           WHEN 'BASE64' THEN from_utf8(from_base64(capturedata.endpointoutput.data))
           ELSE capturedata.endpointoutput.data END AS payload
  FROM shadowtest_capture_dd6ff819aaf5c742
  WHERE variant IN ('production', 'shadow')
    AND hour >= '2026/12/01/09'
    AND try(from_iso8601_timestamp(eventmetadata.inferencetime)) >= from_iso8601_timestamp('2026-12-01T09:00:00Z')
),
sides AS (
  SELECT id,
         count_if(variant = 'production') AS production_records,
         count_if(variant = 'shadow') AS shadow_records,
         arbitrary(payload) FILTER (WHERE variant = 'production') AS production,
         arbitrary(payload) FILTER (WHERE variant = 'shadow') AS shadow
  FROM records
  GROUP BY id
),
pairs AS (
  SELECT production = shadow AS same,
         try_cast(json_extract_scalar(production, '$.predictions[0]') AS double) AS production_number,
         try_cast(json_extract_scalar(shadow, '$.predictions[0]') AS double) AS shadow_number,
         (regexp_like(json_extract_scalar(production, '$.predictions[0]'), '^-?[0-9]+$')
          AND regexp_like(json_extract_scalar(shadow, '$.predictions[0]'), '^-?[0-9]+$')) AS integers
  FROM sides
  WHERE production_records > 0 AND shadow_records > 0
),
numbers AS (
  SELECT abs(shadow_number - production_number) AS difference,
         abs(shadow_number - production_number)
           / nullif(abs(production_number), 0) AS relative
  FROM pairs
  WHERE production_number IS NOT NULL AND shadow_number IS NOT NULL AND NOT integers
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
  SELECT count_if(same) AS exact_matches FROM pairs
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
