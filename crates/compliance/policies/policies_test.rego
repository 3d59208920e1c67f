# Tests of the default policies (`bourse policy test` runs them, as `opa test` would).
package bourse.policies_test

import rego.v1

order(notional_minor, notional) := {
	"action": "place_order",
	"user": {"id": 7, "role": "trader"},
	"order": {"symbol": "BTC-USD", "quote_asset": "USD", "quote_unit": 1000000, "notional_minor": notional_minor, "notional": notional},
	"stats": {"orders_last_hour": 0},
}

test_an_order_at_the_limit_is_allowed if {
	count(data.bourse.policies.amount.deny) == 0 with input as order(1000000000000, "1000000")
}

test_an_order_just_over_the_limit_is_denied if {
	count(data.bourse.policies.amount.deny) == 1 with input as order(1000000000001, "1000000.000001")
}

test_a_role_has_its_own_limit if {
	count(data.bourse.policies.amount.deny) == 0 with input as order(1000000000001, "1000000.000001")
		with data.bourse.limits.order_notional_max.roles as {"trader": {"USD": 2000000}}
}

test_the_hundredth_order_in_an_hour_is_allowed if {
	count(data.bourse.policies.rate.deny) == 0 with input as object.union(order(1, "0.000001"), {"stats": {"orders_last_hour": 99}})
}

test_the_hundred_and_first_is_denied if {
	count(data.bourse.policies.rate.deny) == 1 with input as object.union(order(1, "0.000001"), {"stats": {"orders_last_hour": 100}})
}

test_the_venues_own_accounts_are_exempt if {
	count(data.bourse.policies.rate.deny) == 0 with input as object.union(order(1, "0.000001"), {"stats": {"orders_last_hour": 100}})
		with data.bourse.exempt_users as [7]
}

test_a_restricted_instrument_takes_no_orders if {
	count(data.bourse.policies.restricted.deny) == 1 with input as order(1, "0.000001")
		with data.bourse.restricted.symbols as ["BTC-USD"]
}
