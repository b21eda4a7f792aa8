WITH "orders_facts" AS (
  SELECT
    CAST(DATE_TRUNC('QUARTER', "orders"."order_date") AS DATE) AS "quarter",
    SUM(CASE WHEN "orders"."status" = 'completed' THEN "orders"."net_amount" END) AS "completed_net_amount"
  FROM "orders"
  WHERE
    "orders"."order_date" >= CAST('2025-01-01' AS DATE)
    AND "orders"."order_date" < CAST('2026-01-01' AS DATE)
  GROUP BY
    CAST(DATE_TRUNC('QUARTER', "orders"."order_date") AS DATE)
), "current_period" AS (
  SELECT
    "orders_facts"."quarter" AS "quarter",
    COALESCE("orders_facts"."completed_net_amount", 0) AS "revenue"
  FROM "orders_facts"
), "previous_orders_facts" AS (
  SELECT
    CAST(DATE_TRUNC('QUARTER', "orders"."order_date" + INTERVAL '1' YEAR) AS DATE) AS "quarter",
    SUM(CASE WHEN "orders"."status" = 'completed' THEN "orders"."net_amount" END) AS "completed_net_amount"
  FROM "orders"
  WHERE
    "orders"."order_date" >= CAST('2024-01-01' AS DATE)
    AND "orders"."order_date" < CAST('2025-01-01' AS DATE)
  GROUP BY
    CAST(DATE_TRUNC('QUARTER', "orders"."order_date" + INTERVAL '1' YEAR) AS DATE)
), "previous_period" AS (
  SELECT
    "previous_orders_facts"."quarter" AS "quarter",
    COALESCE("previous_orders_facts"."completed_net_amount", 0) AS "revenue"
  FROM "previous_orders_facts"
)
SELECT
  "current_period"."quarter" AS "quarter",
  "current_period"."revenue" AS "revenue",
  "previous_period"."revenue" AS "revenue__previous",
  "current_period"."revenue" - "previous_period"."revenue" AS "revenue__change",
  CAST("current_period"."revenue" - "previous_period"."revenue" AS DOUBLE) / NULLIF(ABS("previous_period"."revenue"), 0) AS "revenue__change_pct"
FROM "current_period"
LEFT JOIN "previous_period"
  ON "current_period"."quarter" IS NOT DISTINCT FROM "previous_period"."quarter"
ORDER BY
  "quarter" ASC
