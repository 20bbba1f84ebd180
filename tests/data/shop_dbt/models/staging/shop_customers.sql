select
    cast(customer_id as integer) as customer_id,
    upper(trim(country)) as country_code
from {{ source('raw', 'customers') }}
