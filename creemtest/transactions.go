package creemtest

import (
	"net/http"

	"github.com/creem-go/creem"
)

func (s *Server) getTransaction(r *http.Request, _ []byte) (any, *apiError) {
	id := r.URL.Query().Get("transaction_id")
	if id == "" {
		return nil, errorf(http.StatusBadRequest, "The 'transaction_id' field is required.")
	}
	t, ok := s.st.transactions.get(id)
	if !ok {
		return nil, notFound("Transaction")
	}
	return t, nil
}

func (s *Server) searchTransactions(r *http.Request, _ []byte) (any, *apiError) {
	q := r.URL.Query()
	customer, order, product := q.Get("customer_id"), q.Get("order_id"), q.Get("product_id")
	items := s.st.transactions.filter(func(t *creem.Transaction) bool {
		return (customer == "" || (t.Customer != nil && *t.Customer == customer)) &&
			(order == "" || (t.Order != nil && *t.Order == order)) &&
			(product == "" || s.st.transactionProduct[t.ID] == product)
	})
	return paginate(q, items)
}

// refund refunds a paid transaction in full: POST /v1/refunds.
func (s *Server) refund(_ *http.Request, body []byte) (any, *apiError) {
	var p struct {
		TransactionID string `json:"transaction_id"`
	}
	if err := decodeBody(body, "CreateRefundRequestEntity", &p); err != nil {
		return nil, err
	}
	t, ok := s.st.transactions.get(p.TransactionID)
	if !ok {
		return nil, notFound("Transaction")
	}
	if t.Status != creem.TransactionStatusPaid && t.Status != creem.TransactionStatusPartialRefund {
		return nil, errorf(http.StatusBadRequest, "Transaction cannot be refunded: it is "+string(t.Status))
	}
	paid := t.Amount
	if t.AmountPaid != nil {
		paid = *t.AmountPaid
	}
	already := int64(0)
	if t.RefundedAmount != nil {
		already = *t.RefundedAmount
	}
	t.Status = creem.TransactionStatusRefunded
	t.RefundedAmount = creem.Ptr(paid)
	ref := &creem.Refund{
		ID: newID("ref"), Mode: creem.ModeTest, Object: "refund", Status: creem.RefundStatusSucceeded,
		RefundAmount: paid - already, RefundCurrency: t.Currency, Reason: creem.RefundReasonRequestedByCustomer,
		Transaction: t, CreatedAt: creem.TimestampFromMillis(s.now().UnixMilli()),
	}
	if t.Order != nil {
		ref.Order = &creem.OrderRef{Order: creem.Order{ID: *t.Order}}
	}
	if t.Subscription != nil {
		ref.Subscription = &creem.SubscriptionRef{Subscription: creem.Subscription{ID: *t.Subscription}}
	}
	if t.Customer != nil {
		ref.Customer = &creem.CustomerRef{Customer: creem.Customer{ID: *t.Customer}}
	}
	s.st.refunds.put(ref.ID, ref)
	s.emit(creem.EventRefundCreated, s.refundView(ref))
	return creem.RefundResult{Status: ref.Status}, nil
}
