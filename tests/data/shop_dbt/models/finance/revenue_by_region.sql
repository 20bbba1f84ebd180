select
    coalesce(r.region, 'Unknown') as region,
    count(*) as orders,
    sum(o.amount) as revenue
from {{ ref('shop_orders') }} as o
left join {{ ref('shop_customers') }} as c using (customer_id)
left join {{ ref('country_regions') }} as r on r.country_code = c.country_code
where o.status = 'completed'
group by 1
