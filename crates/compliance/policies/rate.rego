# More than the allowed orders in a sliding hour is denied: an order is refused when
# the user already has that many accepted in the last hour. The allowance is data
# (`data.bourse.limits.orders_per_hour_max`): by role first, then the default.
package bourse.policies.rate

import rego.v1

limit := l if {
	l := data.bourse.limits.orders_per_hour_max.roles[input.user.role]
} else := data.bourse.limits.orders_per_hour_max.default

deny contains msg if {
	input.action == "place_order"
	not data.bourse.lib.exempt
	input.stats.orders_last_hour >= limit
	msg := sprintf("%d orders accepted in the last hour: at most %d an hour", [input.stats.orders_last_hour, limit])
}
