package creemtest

import (
	"net/http"

	"github.com/creem-go/creem"
)

func (s *Server) subscription(id string) (*creem.Subscription, *apiError) {
	sub, ok := s.st.subscriptions.get(id)
	if !ok {
		return nil, notFound("Subscription")
	}
	return sub, nil
}

func (s *Server) getSubscription(r *http.Request, _ []byte) (any, *apiError) {
	id := r.URL.Query().Get("subscription_id")
	if id == "" {
		return nil, errorf(http.StatusBadRequest, "The 'subscription_id' field is required.")
	}
	sub, aerr := s.subscription(id)
	if aerr != nil {
		return nil, aerr
	}
	return s.subscriptionView(sub, true), nil
}

func (s *Server) searchSubscriptions(r *http.Request, _ []byte) (any, *apiError) {
	var views []*subscriptionJSON
	for _, sub := range s.st.subscriptions.filter(nil) {
		views = append(views, s.subscriptionView(sub, false))
	}
	return paginate(r.URL.Query(), views)
}

// changeSubscription runs a state change on the subscription named in the path, emits the
// webhook event the change calls for, and answers with the subscription expanded. s.mu is held.
func (s *Server) changeSubscription(r *http.Request, change func(sub *creem.Subscription) *apiError) (any, *apiError) {
	sub, aerr := s.subscription(r.PathValue("id"))
	if aerr != nil {
		return nil, aerr
	}
	before := *sub
	if aerr := change(sub); aerr != nil {
		*sub = before
		return nil, aerr
	}
	sub.UpdatedAt = creem.NewTimestamp(s.now().UTC())
	view := s.subscriptionView(sub, true)
	s.emit(subscriptionEvent(before.Status, sub.Status), view)
	return view, nil
}

// subscriptionEvent names the webhook event of a subscription change from status from to to.
func subscriptionEvent(from, to creem.SubscriptionStatus) creem.EventType {
	switch {
	case from == to:
		return creem.EventSubscriptionUpdate
	case to == creem.SubscriptionStatusCanceled:
		return creem.EventSubscriptionCanceled
	case to == creem.SubscriptionStatusScheduledCancel:
		return creem.EventSubscriptionScheduledCancel
	case to == creem.SubscriptionStatusPaused:
		return creem.EventSubscriptionPaused
	case to == creem.SubscriptionStatusActive:
		return creem.EventSubscriptionActive
	case to == creem.SubscriptionStatusTrialing:
		return creem.EventSubscriptionTrialing
	case to == creem.SubscriptionStatusPastDue:
		return creem.EventSubscriptionPastDue
	case to == creem.SubscriptionStatusUnpaid:
		return creem.EventSubscriptionUnpaid
	}
	return creem.EventSubscriptionUpdate
}

func (s *Server) updateSubscription(r *http.Request, body []byte) (any, *apiError) {
	var p creem.UpdateSubscriptionParams
	if err := decodeBody(body, "UpdateSubscriptionRequestEntity", &p); err != nil {
		return nil, err
	}
	return s.changeSubscription(r, func(sub *creem.Subscription) *apiError {
		if aerr := requireLive(sub); aerr != nil {
			return aerr
		}
		items := append([]creem.SubscriptionItem(nil), sub.Items...)
		for _, it := range p.Items {
			if it.Units != nil && *it.Units < 1 {
				return errorf(http.StatusBadRequest, "units must be a positive number")
			}
			if it.ID == "" {
				if _, aerr := s.product(it.ProductID); aerr != nil {
					return aerr
				}
				items = append(items, creem.SubscriptionItem{
					ID: newID("sitem"), Mode: creem.ModeTest, Object: "subscription_item",
					ProductID: it.ProductID, PriceID: it.PriceID, Units: orOne(it.Units),
				})
				continue
			}
			found := false
			for i := range items {
				if items[i].ID == it.ID {
					found = true
					if it.Units != nil {
						items[i].Units = creem.Ptr(*it.Units)
					}
					if it.ProductID != "" {
						items[i].ProductID = it.ProductID
					}
					if it.PriceID != "" {
						items[i].PriceID = it.PriceID
					}
				}
			}
			if !found {
				return notFound("Subscription item")
			}
		}
		sub.Items = items
		return nil
	})
}

func orOne(units *int) *int {
	if units == nil {
		return creem.Ptr(1)
	}
	return creem.Ptr(*units)
}

// requireLive refuses changes to canceled subscriptions.
func requireLive(sub *creem.Subscription) *apiError {
	if sub.Status == creem.SubscriptionStatusCanceled {
		return errorf(http.StatusBadRequest, "Subscription is canceled")
	}
	return nil
}

func (s *Server) upgradeSubscription(r *http.Request, body []byte) (any, *apiError) {
	var p creem.UpgradeSubscriptionParams
	if err := decodeBody(body, "UpgradeSubscriptionRequestEntity", &p); err != nil {
		return nil, err
	}
	return s.changeSubscription(r, func(sub *creem.Subscription) *apiError {
		if aerr := requireLive(sub); aerr != nil {
			return aerr
		}
		to, aerr := s.product(p.ProductID)
		if aerr != nil {
			return aerr
		}
		if to.BillingType != creem.BillingTypeRecurring {
			return errorf(http.StatusBadRequest, "Subscriptions can only be upgraded to recurring products")
		}
		if to.ID == sub.Product.ID {
			return errorf(http.StatusBadRequest, "Subscription is already on this product")
		}
		from := s.st.products.byID[sub.Product.ID]
		behavior := p.UpdateBehavior
		if behavior == "" {
			behavior = creem.UpdateBehaviorProrationChargeImmediately
		}
		if diff := to.Price - from.Price; diff > 0 && behavior == creem.UpdateBehaviorProrationChargeImmediately {
			s.recordInvoice(sub, to, diff, "Upgrade to "+to.Name)
		}
		sub.Product = &creem.ProductRef{Product: creem.Product{ID: to.ID}}
		for i := range sub.Items {
			if sub.Items[i].ProductID == from.ID {
				sub.Items[i].ProductID = to.ID
			}
		}
		return nil
	})
}

// recordInvoice stores a paid invoice transaction for sub. s.mu must be held.
func (s *Server) recordInvoice(sub *creem.Subscription, prod *creem.Product, amount int64, description string) *creem.Transaction {
	now := s.now().UTC()
	tran := &creem.Transaction{
		ID: newID("tran"), Mode: creem.ModeTest, Object: "transaction", Amount: amount, AmountPaid: creem.Ptr(amount),
		DiscountAmount: creem.Int64(0), Currency: prod.Currency, Type: creem.TransactionTypeInvoice,
		TaxAmount: creem.Int64(0), Status: creem.TransactionStatusPaid, Subscription: creem.Ptr(sub.ID),
		Customer: creem.Ptr(sub.Customer.ID), Description: description, CreatedAt: creem.TimestampFromMillis(now.UnixMilli()),
	}
	s.st.transactions.put(tran.ID, tran)
	s.st.transactionProduct[tran.ID] = prod.ID
	sub.LastTransactionID, sub.LastTransaction = tran.ID, tran
	sub.LastTransactionDate = creem.Ptr(creem.NewTimestamp(now))
	return tran
}

func (s *Server) cancelSubscription(r *http.Request, body []byte) (any, *apiError) {
	var p creem.CancelSubscriptionParams
	if len(body) > 0 {
		if err := decodeBody(body, "CancelSubscriptionRequestEntity", &p); err != nil {
			return nil, err
		}
	}
	return s.changeSubscription(r, func(sub *creem.Subscription) *apiError {
		if aerr := requireLive(sub); aerr != nil {
			return aerr
		}
		now := creem.NewTimestamp(s.now().UTC())
		if p.Mode == creem.CancelModeScheduled {
			if sub.Status == creem.SubscriptionStatusScheduledCancel {
				return errorf(http.StatusBadRequest, "Subscription is already scheduled to cancel")
			}
			sub.Status = creem.SubscriptionStatusScheduledCancel
			sub.CanceledAt = &now
			// Advance carries it out at the period's end.
			s.billingOf(sub).onExecute = p.OnExecute
			return nil
		}
		sub.Status = creem.SubscriptionStatusCanceled
		sub.CanceledAt = &now
		sub.NextTransactionDate = nil
		return nil
	})
}

func (s *Server) pauseSubscription(r *http.Request, _ []byte) (any, *apiError) {
	return s.changeSubscription(r, func(sub *creem.Subscription) *apiError {
		if sub.Status != creem.SubscriptionStatusActive && sub.Status != creem.SubscriptionStatusTrialing {
			return errorf(http.StatusBadRequest, "Only active subscriptions can be paused, this one is "+string(sub.Status))
		}
		sub.Status = creem.SubscriptionStatusPaused
		return nil
	})
}

func (s *Server) resumeSubscription(r *http.Request, _ []byte) (any, *apiError) {
	return s.changeSubscription(r, func(sub *creem.Subscription) *apiError {
		if sub.Status != creem.SubscriptionStatusPaused && sub.Status != creem.SubscriptionStatusScheduledCancel {
			return errorf(http.StatusBadRequest, "Only paused or scheduled-cancel subscriptions can be resumed, this one is "+string(sub.Status))
		}
		b := s.billingOf(sub)
		now := s.now().UTC()
		if sub.Status == creem.SubscriptionStatusPaused && sub.NextTransactionDate != nil && sub.NextTransactionDate.Before(now) {
			// Its period ended while it was paused: a new one starts now, charged at the next
			// Advance.
			b.restart, b.anchorDay = now, now.Day()
			sub.NextTransactionDate = creem.Ptr(creem.NewTimestamp(now))
		}
		sub.Status = creem.SubscriptionStatusActive
		if b.trial && b.restart.IsZero() {
			sub.Status = creem.SubscriptionStatusTrialing // back to the trial it has not finished
		}
		b.onExecute = ""
		sub.CanceledAt = nil
		return nil
	})
}
