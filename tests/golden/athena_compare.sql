CREATE EXTERNAL TABLE IF NOT EXISTS shadowtest_capture (
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
  FROM shadowtest_capture
  WHERE variant IN ('production', 'shadow')
    AND hour >= '2026/12/01/09'
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
  SELECT *,
         abs(try_cast(json_extract_scalar(shadow, '$.predictions[0]') AS double)
             - try_cast(json_extract_scalar(production, '$.predictions[0]') AS double)) AS difference
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
