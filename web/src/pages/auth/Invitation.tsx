// /invitations/:user/:key: accepting an invitation to a role. A visitor logs in or signs
// up first and comes back here (?next=). An invitation sent to an address that had no
// account names an `invited-…` stand-in: whoever is logged in and holds the key takes it;
// one sent to an account is for that account only, so a mismatch is said up front.
import { Alert, Button, Group, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { api } from '../../lib/api';
import { useSubmit } from '../../lib/forms';
import { useSession } from '../../lib/session';
import { AuthCard } from './AuthCard';
import { Refusal } from './Refusal';
import { withNext } from './Login';

interface Accepted {
  slug: string;
  printable_name: string;
  role_description: { title: string } | null;
}

export function Invitation() {
  const { user: invitee = '', key = '' } = useParams();
  const { session, refresh } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const here = `${location.pathname}${location.search}`;
  const me = session.user;
  const forAddress = invitee.startsWith('invited-');
  const otherAccount = me !== null && !forAddress && me.username.toLowerCase() !== invitee.toLowerCase();

  const accept = useSubmit(async () => {
    const role = await api<Accepted>('PUT', `/users/${encodeURIComponent(invitee)}/accessibles/accept/${encodeURIComponent(key)}/`, {});
    notifications.show({
      color: 'teal',
      message: `You joined ${role.printable_name}${role.role_description ? ` as ${role.role_description.title}` : ''}.`,
    });
    navigate(`/orgs/${encodeURIComponent(role.slug)}`, { replace: true });
  });
  const switchAccount = useSubmit(async () => {
    await api('POST', '/auth/logout/', {});
    await refresh();
    navigate(withNext('/login', here));
  });

  if (!me) {
    return (
      <AuthCard title="Accept your invitation">
        <Text>You were invited to join an organization on {session.broker.full_name}. Log in to accept it, or create your account first if you do not have one yet.</Text>
        <Text size="sm" c="dimmed">Sign up with the e-mail address the invitation was sent to. You will come back to this page to accept.</Text>
        <Group>
          <Button component={Link} to={withNext('/login', here)}>Log in</Button>
          <Button component={Link} to={withNext('/register', here)} variant="default">Sign up</Button>
        </Group>
      </AuthCard>
    );
  }

  return (
    <AuthCard title="Accept your invitation">
      {otherAccount ? (
        <Alert color="yellow" title="This invitation is for another account">
          It was sent to the account {invitee}, and you are logged in as {me.username}. Log in as {invitee} to accept it.
        </Alert>
      ) : (
        <Text>
          You were invited to join an organization on {session.broker.full_name}.
          {forAddress ? ` Accepting gives the role to the account you are logged in with, ${me.username}.` : ''}
        </Text>
      )}
      <Refusal error={accept.error ?? switchAccount.error} />
      <Group>
        {otherAccount ? (
          <>
            <Button onClick={() => void switchAccount.run()} loading={switchAccount.busy}>Log in as {invitee}</Button>
            <Button component={Link} to="/me" variant="default">Go to my account</Button>
          </>
        ) : (
          <>
            <Button onClick={() => void accept.run()} loading={accept.busy}>Accept the invitation</Button>
            <Button component={Link} to="/me" variant="default">Not now</Button>
          </>
        )}
      </Group>
    </AuthCard>
  );
}
