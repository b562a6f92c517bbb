package selfservice

import (
	"errors"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/actions"
	"github.com/slipwayhq/slipway/outbound"
)

// checkOutbound refuses a definition that would call a literal address the
// operator's deny list denies, so the mistake shows when it is written
// rather than when a run fails. Hostnames are left to the connect-time check
// (worker side), which sees what they resolve to at that moment.
func (s *Service) checkOutbound(d actions.Definition) error {
	var v []slipway.Violation
	check := func(field, url string) {
		var denied *outbound.DeniedError
		if errors.As(s.Outbound.CheckURL(url), &denied) {
			v = append(v, slipway.Violation{Field: field, Message: denied.Reason()})
		}
	}
	if d.InvocationMethod.Type == actions.InvocationWebhook {
		check("action.invocationMethod.url", d.InvocationMethod.URL)
	}
	if url, _, ok := d.NotificationWebhook(); ok {
		check("action.approvalNotification.url", url)
	}
	return slipway.Invalid("action definition", v)
}
