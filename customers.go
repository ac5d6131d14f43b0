package creem

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

// UnmarshalJSON decodes a customer object, or a bare customer ID into ID.
func (c *Customer) UnmarshalJSON(data []byte) error {
	type plain Customer
	return unmarshalIDOrObject(data, &c.ID, (*plain)(c))
}
