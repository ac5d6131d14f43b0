package creem

import (
	"context"
	"iter"
	"strings"
)

// CustomersService manages customers: GET|POST|PATCH /v1/customers, GET /v1/customers/list,
// POST /v1/customers/billing and the per-customer lists under /v1/customers/{id}.
type CustomersService service

// Customer is a buyer (CustomerEntity).
//
// Where an entity refers to a customer only by ID, only ID is filled.
type Customer struct {
	ID         string    `json:"id"`
	Mode       Mode      `json:"mode"`
	Object     string    `json:"object"`
	Email      string    `json:"email"`
	Name       *string   `json:"name"`
	Metadata   Metadata  `json:"metadata"`
	Country    *string   `json:"country"`     // ISO 3166-1 alpha-2
	ExternalID *string   `json:"external_id"` // your own ID for this customer
	CreatedAt  Timestamp `json:"created_at"`
	UpdatedAt  Timestamp `json:"updated_at"`
}

// CustomerLinks holds the links generated for a customer (CustomerLinksEntity).
type CustomerLinks struct {
	// CustomerPortalLink opens the billing portal where the customer manages subscriptions,
	// payment methods and invoices.
	CustomerPortalLink string `json:"customer_portal_link"`
}

// CreateCustomerParams are the parameters of Customers.Create (CreateCustomerRequestEntity).
type CreateCustomerParams struct {
	Email    string   `json:"email"` // required
	Name     string   `json:"name"`  // required
	Metadata Metadata `json:"metadata,omitempty"`
	// ExternalID is your own ID for the customer: unique per store; letters, digits, _ and -.
	ExternalID string `json:"external_id,omitempty"`
}

// UpdateCustomerParams are the parameters of Customers.Update (UpdateCustomerRequestEntity).
// Only fields that are set are sent and change; creem.Null clears ExternalID.
type UpdateCustomerParams struct {
	Name  *string `json:"name,omitempty"`
	Email *string `json:"email,omitempty"` // 409 when another customer has it
	// Metadata replaces the customer's metadata when not nil; an empty map clears it. (The spec
	// does not let metadata be null.)
	Metadata   Metadata         `json:"metadata,omitzero"`
	ExternalID Nullable[string] `json:"external_id,omitzero"`
}

// ListCustomersParams page through Customers.List and Customers.All.
type ListCustomersParams struct {
	ListParams
}

// Get retrieves a customer by ID (GET /v1/customers?customer_id=). Retried like every read.
func (s *CustomersService) Get(ctx context.Context, customerID string, opts ...RequestOption) (*Customer, error) {
	if err := requireID("Customers.Get", "customer_id", customerID); err != nil {
		return nil, err
	}
	return send[Customer](ctx, s.client, get("/v1/customers"), param("customer_id", customerID), nil, opts)
}

// GetByEmail retrieves a customer by e-mail address (GET /v1/customers?email=). The address
// travels in the query string; the SDK keeps it out of logs and error strings. Retried like
// every read.
func (s *CustomersService) GetByEmail(ctx context.Context, email string, opts ...RequestOption) (*Customer, error) {
	if err := requireEmail("Customers.GetByEmail", email); err != nil {
		return nil, err
	}
	return send[Customer](ctx, s.client, get("/v1/customers"), param("email", email), nil, opts)
}

// List returns one page of customers (GET /v1/customers/list). Retried like every read.
func (s *CustomersService) List(ctx context.Context, params *ListCustomersParams, opts ...RequestOption) (*Page[Customer], error) {
	return list[Customer](ctx, s.client, "/v1/customers/list", params, opts)
}

// All iterates over every customer, fetching one page at a time.
func (s *CustomersService) All(ctx context.Context, params *ListCustomersParams, opts ...RequestOption) iter.Seq2[*Customer, error] {
	return all(ctx, params, s.List, opts)
}

// Create creates a customer (POST /v1/customers). Not retried after the request may have
// reached Creem.
func (s *CustomersService) Create(ctx context.Context, params *CreateCustomerParams, opts ...RequestOption) (*Customer, error) {
	const op = "Customers.Create"
	if params == nil {
		return nil, invalid(op, "params", "are required")
	}
	if err := requireEmail(op, params.Email); err != nil {
		return nil, err
	}
	if strings.TrimSpace(params.Name) == "" {
		return nil, invalid(op, "name", "is required")
	}
	return send[Customer](ctx, s.client, post("/v1/customers"), "", params, opts)
}

// Update changes the fields set in params (PATCH /v1/customers, with customer_id in the body).
// Not retried after the request may have reached Creem.
func (s *CustomersService) Update(ctx context.Context, customerID string, params *UpdateCustomerParams, opts ...RequestOption) (*Customer, error) {
	const op = "Customers.Update"
	if err := requireID(op, "customer_id", customerID); err != nil {
		return nil, err
	}
	if params == nil {
		return nil, invalid(op, "params", "are required")
	}
	if params.Email != nil {
		if err := requireEmail(op, *params.Email); err != nil {
			return nil, err
		}
	}
	body := struct {
		CustomerID string `json:"customer_id"`
		*UpdateCustomerParams
	}{customerID, params}
	return send[Customer](ctx, s.client, patch("/v1/customers"), "", &body, opts)
}

// BillingPortal generates a link to the customer's billing portal (POST /v1/customers/billing).
// Not retried after the request may have reached Creem.
func (s *CustomersService) BillingPortal(ctx context.Context, customerID string, opts ...RequestOption) (*CustomerLinks, error) {
	if err := requireID("Customers.BillingPortal", "customer_id", customerID); err != nil {
		return nil, err
	}
	body := struct {
		CustomerID string `json:"customer_id"`
	}{customerID}
	return send[CustomerLinks](ctx, s.client, post("/v1/customers/billing"), "", &body, opts)
}

// ListOrders returns one page of a customer's orders (GET /v1/customers/{id}/orders).
// Retried like every read.
func (s *CustomersService) ListOrders(ctx context.Context, customerID string, params *ListParams, opts ...RequestOption) (*Page[Order], error) {
	seg, err := pathID("Customers.ListOrders", "id", customerID)
	if err != nil {
		return nil, err
	}
	return list[Order](ctx, s.client, "/v1/customers/"+seg+"/orders", params, opts)
}

// AllOrders iterates over every order of a customer, one page at a time.
func (s *CustomersService) AllOrders(ctx context.Context, customerID string, params *ListParams, opts ...RequestOption) iter.Seq2[*Order, error] {
	return all(ctx, params, func(ctx context.Context, p *ListParams, o ...RequestOption) (*Page[Order], error) {
		return s.ListOrders(ctx, customerID, p, o...)
	}, opts)
}

// ListSubscriptions returns one page of a customer's subscriptions
// (GET /v1/customers/{id}/subscriptions). Retried like every read.
func (s *CustomersService) ListSubscriptions(ctx context.Context, customerID string, params *ListParams, opts ...RequestOption) (*Page[Subscription], error) {
	seg, err := pathID("Customers.ListSubscriptions", "id", customerID)
	if err != nil {
		return nil, err
	}
	return list[Subscription](ctx, s.client, "/v1/customers/"+seg+"/subscriptions", params, opts)
}

// AllSubscriptions iterates over every subscription of a customer, one page at a time.
func (s *CustomersService) AllSubscriptions(ctx context.Context, customerID string, params *ListParams, opts ...RequestOption) iter.Seq2[*Subscription, error] {
	return all(ctx, params, func(ctx context.Context, p *ListParams, o ...RequestOption) (*Page[Subscription], error) {
		return s.ListSubscriptions(ctx, customerID, p, o...)
	}, opts)
}

// ListLicenses returns one page of a customer's license keys (GET /v1/customers/{id}/licenses).
// Retried like every read.
func (s *CustomersService) ListLicenses(ctx context.Context, customerID string, params *ListParams, opts ...RequestOption) (*Page[License], error) {
	seg, err := pathID("Customers.ListLicenses", "id", customerID)
	if err != nil {
		return nil, err
	}
	return list[License](ctx, s.client, "/v1/customers/"+seg+"/licenses", params, opts)
}

// AllLicenses iterates over every license key of a customer, one page at a time.
func (s *CustomersService) AllLicenses(ctx context.Context, customerID string, params *ListParams, opts ...RequestOption) iter.Seq2[*License, error] {
	return all(ctx, params, func(ctx context.Context, p *ListParams, o ...RequestOption) (*Page[License], error) {
		return s.ListLicenses(ctx, customerID, p, o...)
	}, opts)
}

// requireEmail refuses an address that is certainly not one. The address itself never goes
// into the error.
func requireEmail(op, email string) error {
	email = strings.TrimSpace(email)
	if email == "" {
		return invalid(op, "email", "is required")
	}
	if at := strings.IndexByte(email, '@'); at <= 0 || at == len(email)-1 {
		return invalid(op, "email", "is not an e-mail address")
	}
	return nil
}
