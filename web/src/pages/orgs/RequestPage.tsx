// /orgs/:org/requests/:key, the link the managers are mailed when someone asks to join:
// who asks for which role, and the answer (accept, maybe with another role, deny, or
// deny and block).
import { useState } from 'react';
import { Alert, Anchor, Card, Stack, Text, Title } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { ApiError, query } from '../../lib/api';
import { Loaded, refusal, useResource, type Page, type RoleDescriptionWithRoles } from './common';
import { useOrg } from './OrgLayout';
import { JoinRequest } from './MembersTab';

export function RequestPage() {
  const { org, can } = useOrg();
  const { key = '' } = useParams();
  const [answered, setAnswered] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const roles = useResource<Page<RoleDescriptionWithRoles>>(can.manage ? `/profile/${encodeURIComponent(org.slug)}/roles/describe/${query({ page_size: 100 })}` : null);
  const members = `/orgs/${encodeURIComponent(org.slug)}/members`;

  const act = async (what: () => Promise<unknown>, done: string) => {
    setBusy(true); setProblem(null);
    try { await what(); setAnswered(done); return true; }
    catch (caught) { setProblem(caught instanceof ApiError ? refusal(caught) : String(caught)); return false; }
    finally { setBusy(false); }
  };

  return (
    <Card withBorder component="section" aria-labelledby="request-heading" maw={720}>
      <Title order={2} size="h4" id="request-heading" mb="sm">Request to join</Title>
      {!can.manage ? (
        <Text>Only the managers of {org.printable_name} can answer requests to join it.</Text>
      ) : answered ? (
        <Stack gap="xs">
          <Alert color="teal" role="status">{answered}</Alert>
          <Anchor component={Link} to={members}>See the members</Anchor>
        </Stack>
      ) : (
        <Loaded resource={roles} what="the request">
          {(data) => {
            const found = data.results.flatMap((role) => role.roles.filter((h) => h.state === 'requested' && h.request_key === key).map((holder) => ({ role, holder })))[0];
            if (!found) {
              return (
                <Stack gap="xs">
                  <Text>This request was already answered or withdrawn, or the link is not valid.</Text>
                  <Anchor component={Link} to={members}>See the members and the requests still waiting</Anchor>
                </Stack>
              );
            }
            return (
              <Stack gap="sm">
                {problem && <Alert color="red" role="alert" title="That was refused">{problem}</Alert>}
                <JoinRequest holder={found.holder} role={found.role} roles={data.results} busy={busy} act={act} />
              </Stack>
            );
          }}
        </Loaded>
      )}
    </Card>
  );
}
