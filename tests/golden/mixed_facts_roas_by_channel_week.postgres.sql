WITH "orders_facts" AS (
  SELECT
    CAST(DATE_TRUNC('WEEK', "orders"."order_date") AS DATE) AS "week",
    "orders"."channel" AS "channel",
    SUM(CASE WHEN "orders"."status" = 'completed' THEN "orders"."net_amount" END) AS "completed_net_amount",
    SUM(
      CASE
        WHEN "orders"."status" = 'completed' AND NOT "orders"."campaign_id" IS NULL
        THEN "orders"."net_amount"
      END
    ) AS "campaign_net_amount"
  FROM "orders"
  WHERE
    "orders"."order_date" >= CAST('2025-04-01' AS DATE)
    AND "orders"."order_date" < CAST('2025-07-01' AS DATE)
  GROUP BY
    CAST(DATE_TRUNC('WEEK', "orders"."order_date") AS DATE),
    "orders"."channel"
), "ad_spend_facts" AS (
  SELECT
    CAST(DATE_TRUNC('WEEK', "ad_spend"."date") AS DATE) AS "week",
    "ad_spend"."channel" AS "channel",
    SUM("ad_spend"."spend") AS "ad_spend_amount"
  FROM "ad_spend"
  WHERE
    "ad_spend"."date" >= CAST('2025-04-01' AS DATE)
    AND "ad_spend"."date" < CAST('2025-07-01' AS DATE)
  GROUP BY
    CAST(DATE_TRUNC('WEEK', "ad_spend"."date") AS DATE),
    "ad_spend"."channel"
), "keys" AS (
  SELECT
    "week",
    "channel"
  FROM (
    SELECT
      "orders_facts"."week",
      "orders_facts"."channel"
    FROM "orders_facts"
    UNION
    SELECT
      "ad_spend_facts"."week",
      "ad_spend_facts"."channel"
    FROM "ad_spend_facts"
  ) AS "all_keys"
)
SELECT
  "keys"."week" AS "week",
  "keys"."channel" AS "channel",
  COALESCE("orders_facts"."completed_net_amount", 0) AS "revenue",
  COALESCE("ad_spend_facts"."ad_spend_amount", 0) AS "spend",
  CAST((
    COALESCE("orders_facts"."campaign_net_amount", 0)
  ) AS DOUBLE PRECISION) / NULLIF((
    COALESCE("ad_spend_facts"."ad_spend_amount", 0)
  ), 0) AS "roas"
FROM "keys"
LEFT JOIN "orders_facts"
  ON "keys"."week" IS NOT DISTINCT FROM "orders_facts"."week"
  AND "keys"."channel" IS NOT DISTINCT FROM "orders_facts"."channel"
LEFT JOIN "ad_spend_facts"
  ON "keys"."week" IS NOT DISTINCT FROM "ad_spend_facts"."week"
  AND "keys"."channel" IS NOT DISTINCT FROM "ad_spend_facts"."channel"
ORDER BY
  "week" ASC,
  "channel" ASC
