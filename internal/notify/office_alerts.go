package notify

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/spikerperak/spiker"
	"github.com/spikerperak/spiker/internal/jobs"
	"github.com/spikerperak/spiker/internal/locale"
	"github.com/spikerperak/spiker/internal/metrics"
)

// alertMessage is what an alert says outside the back office: that there
// is something to look at and where, in Indonesian, and nothing else.
func alertMessage(a spiker.Alert, staffURL string) Message {
	p := locale.Printer{Lang: "id"}
	text := p.Text("alert.reason." + a.Reason)
	if a.Clock != "" {
		text += " (" + p.Text("clock."+a.Clock) + ")"
	}
	subject := p.Text("alert.subject")
	if a.Urgent {
		subject = p.Text("alert.subject_urgent")
	}
	if a.RecordKind == "audit" && a.RecordID != "" {
		// The daily anchor: the digest is the message (it names no person).
		text += "\n\n" + a.RecordID
	}
	return Message{Subject: subject, Text: text, Link: staffURL + a.Link}
}

// Deliver is the notify.deliver job: one notification over one channel,
// sent once (a delivery recorded as sent is not sent again).
func (o *Office) Deliver(ctx context.Context, j spiker.Job) error {
	var p spiker.DeliverJob
	if err := json.Unmarshal([]byte(j.Payload), &p); err != nil {
		return jobs.Permanent(err)
	}
	d, err := o.Duty.DeliveryOf(ctx, p.Notification, p.Channel)
	if spiker.ErrorCode(err) == spiker.ENOTFOUND {
		return nil // the address was removed meanwhile
	} else if err != nil || d.Sent {
		return err
	}
	senders, err := o.Senders(ctx)
	if err != nil {
		return err
	}
	sender := senders[p.Channel]
	if sender == nil {
		metrics.Delivery(p.Channel, metrics.Off)
		return nil // the channel is off: the alert is in the app
	}
	if err := sender.Send(ctx, d.Address, alertMessage(d.Alert, o.StaffURL())); err != nil {
		err = jobError(err)
		if errors.Is(err, ErrPermanent) {
			metrics.Delivery(p.Channel, metrics.Refused)
		} else {
			metrics.Delivery(p.Channel, metrics.Failed)
		}
		return err
	}
	metrics.Delivery(p.Channel, metrics.Sent)
	return o.Duty.MarkDelivered(ctx, p.Notification, p.Channel)
}

// jobError tells the job runner what a channel's failure means: never
// again, after the delay the service asked for, or after its own backoff.
func jobError(err error) error {
	if errors.Is(err, ErrPermanent) {
		return jobs.Permanent(err)
	}
	if after, ok := RetryAfter(err); ok {
		return jobs.RetryAfter(err, after)
	}
	return err
}
