package creem

// Creem sends some fields of its entities either as the related object or as its bare ID
// (checkout.product, subscription.customer, refund.order, …). Each such field has a Ref type that
// embeds the entity: its ID is always filled, so checkout.Product.ID works in both forms, and the
// other fields are filled when the object came. A Ref encodes back in the form it came in.

// ProductRef is a product sent as an object or as a bare product ID (checkout.product,
// subscription.product).
type ProductRef struct {
	Product
	idOnly bool
}

// IDOnly reports whether Creem sent only the product's ID.
func (r *ProductRef) IDOnly() bool { return r.idOnly }

// UnmarshalJSON decodes a product object, or a bare product ID into ID.
func (r *ProductRef) UnmarshalJSON(data []byte) error {
	return unmarshalRef(data, &r.ID, &r.Product, &r.idOnly)
}

// MarshalJSON encodes the bare ID when that is what came, else the product object.
func (r ProductRef) MarshalJSON() ([]byte, error) { return marshalRef(r.idOnly, r.ID, &r.Product) }

// CustomerRef is a customer sent as an object or as a bare customer ID (checkout.customer,
// subscription.customer, refund.customer, dispute.customer).
type CustomerRef struct {
	Customer
	idOnly bool
}

// IDOnly reports whether Creem sent only the customer's ID.
func (r *CustomerRef) IDOnly() bool { return r.idOnly }

// UnmarshalJSON decodes a customer object, or a bare customer ID into ID.
func (r *CustomerRef) UnmarshalJSON(data []byte) error {
	return unmarshalRef(data, &r.ID, &r.Customer, &r.idOnly)
}

// MarshalJSON encodes the bare ID when that is what came, else the customer object.
func (r CustomerRef) MarshalJSON() ([]byte, error) { return marshalRef(r.idOnly, r.ID, &r.Customer) }

// SubscriptionRef is a subscription sent as an object or as a bare subscription ID
// (checkout.subscription, refund.subscription, dispute.subscription).
type SubscriptionRef struct {
	Subscription
	idOnly bool
}

// IDOnly reports whether Creem sent only the subscription's ID.
func (r *SubscriptionRef) IDOnly() bool { return r.idOnly }

// UnmarshalJSON decodes a subscription object, or a bare subscription ID into ID.
func (r *SubscriptionRef) UnmarshalJSON(data []byte) error {
	return unmarshalRef(data, &r.ID, &r.Subscription, &r.idOnly)
}

// MarshalJSON encodes the bare ID when that is what came, else the subscription object.
func (r SubscriptionRef) MarshalJSON() ([]byte, error) {
	return marshalRef(r.idOnly, r.ID, &r.Subscription)
}

// CheckoutRef is a checkout sent as an object or as a bare checkout ID (refund.checkout,
// dispute.checkout).
type CheckoutRef struct {
	Checkout
	idOnly bool
}

// IDOnly reports whether Creem sent only the checkout's ID.
func (r *CheckoutRef) IDOnly() bool { return r.idOnly }

// UnmarshalJSON decodes a checkout object, or a bare checkout ID into ID.
func (r *CheckoutRef) UnmarshalJSON(data []byte) error {
	return unmarshalRef(data, &r.ID, &r.Checkout, &r.idOnly)
}

// MarshalJSON encodes the bare ID when that is what came, else the checkout object.
func (r CheckoutRef) MarshalJSON() ([]byte, error) { return marshalRef(r.idOnly, r.ID, &r.Checkout) }

// OrderRef is an order sent as an object or as a bare order ID (refund.order, dispute.order).
type OrderRef struct {
	Order
	idOnly bool
}

// IDOnly reports whether Creem sent only the order's ID.
func (r *OrderRef) IDOnly() bool { return r.idOnly }

// UnmarshalJSON decodes an order object, or a bare order ID into ID.
func (r *OrderRef) UnmarshalJSON(data []byte) error {
	return unmarshalRef(data, &r.ID, &r.Order, &r.idOnly)
}

// MarshalJSON encodes the bare ID when that is what came, else the order object.
func (r OrderRef) MarshalJSON() ([]byte, error) { return marshalRef(r.idOnly, r.ID, &r.Order) }
