package kcid

import (
	"context"
	"iter"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/kcid/kcid/clients/go/kcidpb"
)

// Shortcuts for the tenancy calls: partners, their accounts, scoped API keys and the calling
// key. Each is one call (or one per page) of the stubs in [Client], so API key, deadlines,
// retries and [*Error] are the same.

// GetPartner returns one partner. Errors: PARTNER_NOT_FOUND.
func (c *Client) GetPartner(ctx context.Context, partnerID string) (*kcidpb.Partner, error) {
	res, err := c.Partners.GetPartner(ctx, &kcidpb.GetPartnerRequest{PartnerId: partnerID})
	if err != nil {
		return nil, err
	}
	return res.GetPartner(), nil
}

// AllPartners yields every partner ordered by id, fetching pages of pageSize (0: the server's
// default of 100) as the loop needs them. A failed page is yielded as the error, and ends it:
//
//	for p, err := range client.AllPartners(ctx, 0) {
//		if err != nil { return err }
//		fmt.Println(p.GetPartnerId(), p.GetS2SActive())
//	}
func (c *Client) AllPartners(ctx context.Context, pageSize int32) iter.Seq2[*kcidpb.Partner, error] {
	return allPages(func(token string) ([]*kcidpb.Partner, string, error) {
		res, err := c.Partners.ListPartners(ctx, &kcidpb.ListPartnersRequest{PageSize: pageSize, PageToken: token})
		return res.GetPartners(), res.GetNextPageToken(), err
	})
}

// SetPartnerS2S switches S2S tracking of every account of the partner on or off: while off,
// IssueClick and postbacks of its accounts fail with PARTNER_INACTIVE (every server sees the
// change within its account cache TTL); stored data stays readable.
func (c *Client) SetPartnerS2S(ctx context.Context, partnerID string, active bool) (*kcidpb.Partner, error) {
	res, err := c.Partners.UpdatePartner(ctx, &kcidpb.UpdatePartnerRequest{PartnerId: partnerID, S2SActive: &active})
	if err != nil {
		return nil, err
	}
	return res.GetPartner(), nil
}

// DeletePartner deletes a partner. Without cascade it is refused with PARTNER_HAS_ACCOUNTS
// while the partner owns accounts; with cascade its accounts are deleted too, and their ids
// returned. The "default" partner cannot be deleted.
func (c *Client) DeletePartner(ctx context.Context, partnerID string, cascade bool) (deletedAccountIDs []string, err error) {
	res, err := c.Partners.DeletePartner(ctx, &kcidpb.DeletePartnerRequest{PartnerId: partnerID, Cascade: cascade})
	if err != nil {
		return nil, err
	}
	return res.GetDeletedAccountIds(), nil
}

// AllAccounts yields every account ordered by id (only those of partnerID when it is not
// empty), fetching pages of pageSize (0: 100) as the loop needs them; see [Client.AllPartners].
func (c *Client) AllAccounts(ctx context.Context, partnerID string, pageSize int32) iter.Seq2[*kcidpb.Account, error] {
	return allPages(func(token string) ([]*kcidpb.Account, string, error) {
		res, err := c.Admin.ListAccounts(ctx, &kcidpb.ListAccountsRequest{
			PartnerId: partnerID, PageSize: pageSize, PageToken: token})
		return res.GetAccounts(), res.GetNextPageToken(), err
	})
}

// Scope is what an API key may act on: the zero Scope is the whole platform, [PartnerScope]
// one partner and its accounts, [AccountScope] one account.
type Scope struct {
	PartnerID string
	AccountID string
}

// PartnerScope scopes a key to one partner and its accounts.
func PartnerScope(partnerID string) Scope { return Scope{PartnerID: partnerID} }

// AccountScope scopes a key to one account.
func AccountScope(accountID string) Scope { return Scope{AccountID: accountID} }

// CreateAPIKey creates an API key with roles within scope; its secret (res.GetSecret()) is
// returned once. A call outside the key's scope fails with API_KEY_SCOPE_DENIED.
func (c *Client) CreateAPIKey(ctx context.Context, name string, scope Scope,
	roles ...kcidpb.ApiKeyRole) (*kcidpb.CreateApiKeyResponse, error) {
	return c.Admin.CreateApiKey(ctx, &kcidpb.CreateApiKeyRequest{
		Name: name, Roles: roles, PartnerId: scope.PartnerID, AccountId: scope.AccountID})
}

// Caller is the key this client calls with: its name, roles and scope (never its secret).
// Any valid key may ask.
func (c *Client) Caller(ctx context.Context) (*kcidpb.ApiKey, error) {
	res, err := c.Admin.GetCaller(ctx, &kcidpb.GetCallerRequest{})
	if err != nil {
		return nil, err
	}
	return res.GetApiKey(), nil
}

// PartnerStats rolls up every account of a partner over [start, end) (whole hours; a zero end
// means now), grouped by groupBy; with no groupBy, one row per account
// (STATS_DIMENSION_ACCOUNT, the row's AccountId). The partner's default time zone labels days.
// Errors: PARTNER_NOT_FOUND, INVALID_PARAMETER.
func (c *Client) PartnerStats(ctx context.Context, partnerID string, start, end time.Time,
	groupBy ...kcidpb.StatsDimension) (*kcidpb.GetStatsResponse, error) {
	if len(groupBy) == 0 {
		groupBy = []kcidpb.StatsDimension{kcidpb.StatsDimension_STATS_DIMENSION_ACCOUNT}
	}
	req := &kcidpb.GetStatsRequest{PartnerId: partnerID, StartTime: timestamppb.New(start), GroupBy: groupBy}
	if !end.IsZero() {
		req.EndTime = timestamppb.New(end)
	}
	return c.Reports.GetStats(ctx, req)
}

// allPages yields the items of every page fetch returns, following its next-page token until
// it is empty; an error is yielded once and ends the sequence.
func allPages[T any](fetch func(token string) ([]T, string, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		token := ""
		for {
			items, next, err := fetch(token)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, item := range items {
				if !yield(item, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			token = next
		}
	}
}
