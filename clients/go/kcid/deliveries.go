package kcid

import (
	"context"
	"iter"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/kcid/kcid/clients/go/kcidpb"
)

// Shortcuts for DeliveryService: destinations (partner postbacks and signed webhooks) and the
// delivery log. Each is one call (or one per page) of [Client.Deliveries], so API key,
// deadlines, retries and [*Error] (reasons DESTINATION_NOT_FOUND, DESTINATION_ALREADY_EXISTS,
// DESTINATION_ADDRESS_FORBIDDEN, DELIVERY_NOT_FOUND …) are those of any call.

// Owner is whose a destination is: one account, or a partner (its destinations apply to
// every account of the partner).
type Owner struct {
	AccountID string
	PartnerID string
}

// AccountOwner is an account's own destinations.
func AccountOwner(accountID string) Owner { return Owner{AccountID: accountID} }

// PartnerOwner is a partner's destinations, inherited by all its accounts.
func PartnerOwner(partnerID string) Owner { return Owner{PartnerID: partnerID} }

// CreateWebhook creates a webhook destination of owner posting to url and returns it with
// its signing secret ("whsec_…", shown only now: give it to [NewWebhookVerifier]). More
// settings (goals, triggers, status map, limits): Deliveries.CreateDestination.
// Errors: DESTINATION_ALREADY_EXISTS, DESTINATION_ADDRESS_FORBIDDEN, INVALID_PARAMETER.
func (c *Client) CreateWebhook(ctx context.Context, owner Owner, destinationID, url string) (*kcidpb.Destination, string, error) {
	res, err := c.Deliveries.CreateDestination(ctx, &kcidpb.CreateDestinationRequest{
		AccountId: owner.AccountID, PartnerId: owner.PartnerID, DestinationId: destinationID,
		Kind: kcidpb.DestinationKind_DESTINATION_KIND_WEBHOOK, Url: url})
	if err != nil {
		return nil, "", err
	}
	return res.GetDestination(), res.GetSigningSecret(), nil
}

// CreatePostback creates a postback destination of owner: an HTTP GET of urlTemplate with
// its {macros} filled in (an unknown macro is INVALID_PARAMETER naming it). More settings:
// Deliveries.CreateDestination.
func (c *Client) CreatePostback(ctx context.Context, owner Owner, destinationID, urlTemplate string) (*kcidpb.Destination, error) {
	res, err := c.Deliveries.CreateDestination(ctx, &kcidpb.CreateDestinationRequest{
		AccountId: owner.AccountID, PartnerId: owner.PartnerID, DestinationId: destinationID,
		Kind: kcidpb.DestinationKind_DESTINATION_KIND_POSTBACK, Url: urlTemplate})
	if err != nil {
		return nil, err
	}
	return res.GetDestination(), nil
}

// GetDestination returns one destination of owner. Errors: DESTINATION_NOT_FOUND.
func (c *Client) GetDestination(ctx context.Context, owner Owner, destinationID string) (*kcidpb.Destination, error) {
	res, err := c.Deliveries.GetDestination(ctx, &kcidpb.GetDestinationRequest{
		AccountId: owner.AccountID, PartnerId: owner.PartnerID, DestinationId: destinationID})
	if err != nil {
		return nil, err
	}
	return res.GetDestination(), nil
}

// ListDestinations returns the destinations of owner: an account's own and its partner's
// (their PartnerId set), or a partner's.
func (c *Client) ListDestinations(ctx context.Context, owner Owner) ([]*kcidpb.Destination, error) {
	res, err := c.Deliveries.ListDestinations(ctx, &kcidpb.ListDestinationsRequest{
		AccountId: owner.AccountID, PartnerId: owner.PartnerID})
	if err != nil {
		return nil, err
	}
	return res.GetDestinations(), nil
}

// UpdateDestination changes the fields set in req (Url, Paused, limits; the Replace* flags for
// the lists and the status map) of owner's destination (it sets req's AccountId and PartnerId
// to owner's). Errors: DESTINATION_NOT_FOUND,
// DESTINATION_ADDRESS_FORBIDDEN, INVALID_PARAMETER.
func (c *Client) UpdateDestination(ctx context.Context, owner Owner, req *kcidpb.UpdateDestinationRequest) (*kcidpb.Destination, error) {
	req.AccountId, req.PartnerId = owner.AccountID, owner.PartnerID
	res, err := c.Deliveries.UpdateDestination(ctx, req)
	if err != nil {
		return nil, err
	}
	return res.GetDestination(), nil
}

// PauseDestination pauses a destination: its jobs wait, neither sent nor dropped.
func (c *Client) PauseDestination(ctx context.Context, owner Owner, destinationID string) (*kcidpb.Destination, error) {
	return c.setPaused(ctx, owner, destinationID, true)
}

// ResumeDestination resumes a paused destination (and closes an open circuit breaker).
func (c *Client) ResumeDestination(ctx context.Context, owner Owner, destinationID string) (*kcidpb.Destination, error) {
	return c.setPaused(ctx, owner, destinationID, false)
}

func (c *Client) setPaused(ctx context.Context, owner Owner, destinationID string, paused bool) (*kcidpb.Destination, error) {
	return c.UpdateDestination(ctx, owner, &kcidpb.UpdateDestinationRequest{DestinationId: destinationID, Paused: &paused})
}

// DeleteDestination deletes a destination; its pending jobs are cancelled.
// Errors: DESTINATION_NOT_FOUND.
func (c *Client) DeleteDestination(ctx context.Context, owner Owner, destinationID string) error {
	_, err := c.Deliveries.DeleteDestination(ctx, &kcidpb.DeleteDestinationRequest{
		AccountId: owner.AccountID, PartnerId: owner.PartnerID, DestinationId: destinationID})
	return err
}

// TestDestination sends a synthetic test conversion to the destination now (delivery id
// "test_…", nothing queued or retried) and returns the attempt and the URL requested.
func (c *Client) TestDestination(ctx context.Context, owner Owner, destinationID string) (*kcidpb.TestDestinationResponse, error) {
	return c.Deliveries.TestDestination(ctx, &kcidpb.TestDestinationRequest{
		AccountId: owner.AccountID, PartnerId: owner.PartnerID, DestinationId: destinationID})
}

// RotateDestinationSecret gives a webhook destination a new signing secret (returned once);
// the previous one keeps signing beside it for grace (0: the server's 24 h), until
// res.GetPreviousSecretExpireTime(). Errors: DESTINATION_NOT_FOUND, INVALID_PARAMETER (not a
// webhook, grace over 30 days).
func (c *Client) RotateDestinationSecret(ctx context.Context, owner Owner, destinationID string,
	grace time.Duration) (*kcidpb.RotateDestinationSecretResponse, error) {
	req := &kcidpb.RotateDestinationSecretRequest{
		AccountId: owner.AccountID, PartnerId: owner.PartnerID, DestinationId: destinationID}
	if grace > 0 {
		req.GracePeriod = durationpb.New(grace)
	}
	return c.Deliveries.RotateDestinationSecret(ctx, req)
}

// AllDeliveries yields the delivery log of req.AccountId newest first, every job with its
// attempts, filtered as req says (FailedOnly, DestinationId, Kcid), fetching pages of
// req.PageSize (0: 100) as the loop needs them; see [Client.AllPartners]. req is not changed.
func (c *Client) AllDeliveries(ctx context.Context, req *kcidpb.ListDeliveriesRequest) iter.Seq2[*kcidpb.Delivery, error] {
	return allPages(func(token string) ([]*kcidpb.Delivery, string, error) {
		page := &kcidpb.ListDeliveriesRequest{AccountId: req.GetAccountId(), FailedOnly: req.GetFailedOnly(),
			DestinationId: req.GetDestinationId(), Kcid: req.GetKcid(), PageSize: req.GetPageSize(), PageToken: token}
		res, err := c.Deliveries.ListDeliveries(ctx, page)
		return res.GetDeliveries(), res.GetNextPageToken(), err
	})
}

// PreviewRedeliver lists the delivery ids Redeliver would queue again for req, queuing nothing
// (req.DryRun is forced on; req is not changed). Call Deliveries.Redeliver with the same
// request to queue them; delivery ids, and so webhook-id, stay the same.
func (c *Client) PreviewRedeliver(ctx context.Context, req *kcidpb.RedeliverRequest) ([]string, error) {
	dry := &kcidpb.RedeliverRequest{AccountId: req.GetAccountId(), DeliveryId: req.GetDeliveryId(),
		DestinationId: req.GetDestinationId(), StartTime: req.GetStartTime(), EndTime: req.GetEndTime(),
		IncludeDelivered: req.GetIncludeDelivered(), DryRun: true}
	res, err := c.Deliveries.Redeliver(ctx, dry)
	if err != nil {
		return nil, err
	}
	return res.GetDeliveryIds(), nil
}
