WITH "campaign_events_facts" AS (
  SELECT
    "campaigns"."campaign_name" AS "campaign_name",
    COUNT(
      DISTINCT CASE
        WHEN "campaign_events"."event_type" = 'purchase'
        THEN "campaign_events"."customer_id"
      END
    ) AS "purchasing_customers",
    COUNT(
      DISTINCT CASE
        WHEN "campaign_events"."event_type" = 'reach'
        THEN "campaign_events"."customer_id"
      END
    ) AS "reached_customers"
  FROM "campaign_events"
  LEFT JOIN "campaigns"
    ON "campaign_events"."campaign_id" = "campaigns"."campaign_id"
  GROUP BY
    "campaigns"."campaign_name"
)
SELECT
  "campaign_events_facts"."campaign_name" AS "campaign_name",
  CAST((
    COALESCE("campaign_events_facts"."purchasing_customers", 0)
  ) AS DOUBLE PRECISION) / NULLIF((
    COALESCE("campaign_events_facts"."reached_customers", 0)
  ), 0) AS "conversion_rate"
FROM "campaign_events_facts"
WHERE
  NOT (
    CAST((
      COALESCE("campaign_events_facts"."purchasing_customers", 0)
    ) AS DOUBLE PRECISION) / NULLIF((
      COALESCE("campaign_events_facts"."reached_customers", 0)
    ), 0)
  ) IS NULL
ORDER BY
  "conversion_rate" DESC NULLS LAST,
  "campaign_name" ASC
LIMIT 5
