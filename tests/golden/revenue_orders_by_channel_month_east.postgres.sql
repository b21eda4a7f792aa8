WITH "orders_facts" AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', "orders"."order_date") AS DATE) AS "month",
    "orders"."channel" AS "channel",
    SUM(CASE WHEN "orders"."status" = 'completed' THEN "orders"."net_amount" END) AS "completed_net_amount",
    COUNT(CASE WHEN "orders"."status" = 'completed' THEN "orders"."order_id" END) AS "completed_orders"
  FROM "orders"
  LEFT JOIN "customers"
    ON "orders"."customer_id" = "customers"."customer_id"
  WHERE
    (
      "orders"."order_date" >= CAST('2025-01-01' AS DATE)
      AND "orders"."order_date" < CAST('2026-01-01' AS DATE)
    )
    AND "customers"."region" = 'East'
  GROUP BY
    CAST(DATE_TRUNC('MONTH', "orders"."order_date") AS DATE),
    "orders"."channel"
)
SELECT
  "orders_facts"."month" AS "month",
  "orders_facts"."channel" AS "channel",
  COALESCE("orders_facts"."completed_net_amount", 0) AS "revenue",
  COALESCE("orders_facts"."completed_orders", 0) AS "orders"
FROM "orders_facts"
ORDER BY
  "month" ASC,
  "channel" ASC
