WITH "orders_facts" AS (
  SELECT
    "orders"."product_category" AS "product_category",
    COUNT(CASE WHEN "orders"."status" = 'refunded' THEN "orders"."order_id" END) AS "refunded_orders",
    COUNT("orders"."order_id") AS "placed_orders"
  FROM "orders"
  LEFT JOIN "customers"
    ON "orders"."customer_id" = "customers"."customer_id"
  WHERE
    "orders"."channel" IN ('Tmall', 'JD')
    AND "customers"."age" BETWEEN 25 AND 34
    AND "customers"."city" LIKE 'S%'
    AND NOT "orders"."campaign_id" IS NULL
  GROUP BY
    "orders"."product_category"
)
SELECT
  "orders_facts"."product_category" AS "product_category",
  CAST((
    COALESCE("orders_facts"."refunded_orders", 0)
  ) AS DOUBLE PRECISION) / NULLIF((
    COALESCE("orders_facts"."placed_orders", 0)
  ), 0) AS "refund_rate"
FROM "orders_facts"
WHERE
  NOT (
    CAST((
      COALESCE("orders_facts"."refunded_orders", 0)
    ) AS DOUBLE PRECISION) / NULLIF((
      COALESCE("orders_facts"."placed_orders", 0)
    ), 0)
  ) IS NULL
ORDER BY
  "refund_rate" DESC NULLS LAST,
  "product_category" ASC
