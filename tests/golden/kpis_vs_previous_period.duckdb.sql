WITH "orders_facts" AS (
  SELECT
    SUM(CASE WHEN "orders"."status" = 'completed' THEN "orders"."net_amount" END) AS "completed_net_amount",
    COUNT(CASE WHEN "orders"."status" = 'completed' THEN "orders"."order_id" END) AS "completed_orders",
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
), "ad_spend_facts" AS (
  SELECT
    SUM("ad_spend"."spend") AS "ad_spend_amount"
  FROM "ad_spend"
  WHERE
    "ad_spend"."date" >= CAST('2025-04-01' AS DATE)
    AND "ad_spend"."date" < CAST('2025-07-01' AS DATE)
), "current_period" AS (
  SELECT
    COALESCE("orders_facts"."completed_net_amount", 0) AS "revenue",
    COALESCE("orders_facts"."completed_orders", 0) AS "orders",
    CAST((
      COALESCE("orders_facts"."completed_net_amount", 0)
    ) AS DOUBLE) / NULLIF((
      COALESCE("orders_facts"."completed_orders", 0)
    ), 0) AS "aov",
    COALESCE("ad_spend_facts"."ad_spend_amount", 0) AS "spend",
    CAST((
      COALESCE("orders_facts"."campaign_net_amount", 0)
    ) AS DOUBLE) / NULLIF((
      COALESCE("ad_spend_facts"."ad_spend_amount", 0)
    ), 0) AS "roas"
  FROM "orders_facts"
  CROSS JOIN "ad_spend_facts"
), "previous_orders_facts" AS (
  SELECT
    SUM(CASE WHEN "orders"."status" = 'completed' THEN "orders"."net_amount" END) AS "completed_net_amount",
    COUNT(CASE WHEN "orders"."status" = 'completed' THEN "orders"."order_id" END) AS "completed_orders",
    SUM(
      CASE
        WHEN "orders"."status" = 'completed' AND NOT "orders"."campaign_id" IS NULL
        THEN "orders"."net_amount"
      END
    ) AS "campaign_net_amount"
  FROM "orders"
  WHERE
    "orders"."order_date" >= CAST('2025-01-01' AS DATE)
    AND "orders"."order_date" < CAST('2025-04-01' AS DATE)
), "previous_ad_spend_facts" AS (
  SELECT
    SUM("ad_spend"."spend") AS "ad_spend_amount"
  FROM "ad_spend"
  WHERE
    "ad_spend"."date" >= CAST('2025-01-01' AS DATE)
    AND "ad_spend"."date" < CAST('2025-04-01' AS DATE)
), "previous_period" AS (
  SELECT
    COALESCE("previous_orders_facts"."completed_net_amount", 0) AS "revenue",
    COALESCE("previous_orders_facts"."completed_orders", 0) AS "orders",
    CAST((
      COALESCE("previous_orders_facts"."completed_net_amount", 0)
    ) AS DOUBLE) / NULLIF((
      COALESCE("previous_orders_facts"."completed_orders", 0)
    ), 0) AS "aov",
    COALESCE("previous_ad_spend_facts"."ad_spend_amount", 0) AS "spend",
    CAST((
      COALESCE("previous_orders_facts"."campaign_net_amount", 0)
    ) AS DOUBLE) / NULLIF((
      COALESCE("previous_ad_spend_facts"."ad_spend_amount", 0)
    ), 0) AS "roas"
  FROM "previous_orders_facts"
  CROSS JOIN "previous_ad_spend_facts"
)
SELECT
  "current_period"."revenue" AS "revenue",
  "previous_period"."revenue" AS "revenue__previous",
  "current_period"."revenue" - "previous_period"."revenue" AS "revenue__change",
  CAST("current_period"."revenue" - "previous_period"."revenue" AS DOUBLE) / NULLIF(ABS("previous_period"."revenue"), 0) AS "revenue__change_pct",
  "current_period"."orders" AS "orders",
  "previous_period"."orders" AS "orders__previous",
  "current_period"."orders" - "previous_period"."orders" AS "orders__change",
  CAST("current_period"."orders" - "previous_period"."orders" AS DOUBLE) / NULLIF(ABS("previous_period"."orders"), 0) AS "orders__change_pct",
  "current_period"."aov" AS "aov",
  "previous_period"."aov" AS "aov__previous",
  "current_period"."aov" - "previous_period"."aov" AS "aov__change",
  CAST("current_period"."aov" - "previous_period"."aov" AS DOUBLE) / NULLIF(ABS("previous_period"."aov"), 0) AS "aov__change_pct",
  "current_period"."spend" AS "spend",
  "previous_period"."spend" AS "spend__previous",
  "current_period"."spend" - "previous_period"."spend" AS "spend__change",
  CAST("current_period"."spend" - "previous_period"."spend" AS DOUBLE) / NULLIF(ABS("previous_period"."spend"), 0) AS "spend__change_pct",
  "current_period"."roas" AS "roas",
  "previous_period"."roas" AS "roas__previous",
  "current_period"."roas" - "previous_period"."roas" AS "roas__change",
  CAST("current_period"."roas" - "previous_period"."roas" AS DOUBLE) / NULLIF(ABS("previous_period"."roas"), 0) AS "roas__change_pct"
FROM "current_period"
LEFT JOIN "previous_period"
  ON TRUE
ORDER BY
  "revenue" DESC
