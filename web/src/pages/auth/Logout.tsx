// /logout: ends this browser's session (the frame's button does the same and comes here).
import { useEffect, useState } from 'react';
import { Alert, Button, Center, Group, Loader, Text } from '@mantine/core';
import { Link } from 'react-router';
import { api, ApiError } from '../../lib/api';
import { useSession } from '../../lib/session';
import { AuthCard } from './AuthCard';

export function Logout() {
  const { session, refresh } = useSession();
  const [state, setState] = useState<'working' | 'done' | ApiError>(session.user ? 'working' : 'done');

  useEffect(() => {
    if (state !== 'working') return;
    let live = true;
    api('POST', '/auth/logout/', {})
      .then(() => refresh())
      .then(() => { if (live) setState('done'); })
      .catch((caught: unknown) => { if (live) setState(caught instanceof ApiError ? caught : new ApiError(0, 'page.error', String(caught), {})); });
    return () => { live = false; };
  }, [state, refresh]);

  return (
    <AuthCard title={state === 'done' ? 'You are logged out' : 'Logging out'}>
      {state === 'working' && <Center py="md"><Loader aria-label="Logging out" /></Center>}
      {state instanceof ApiError && (
        <Alert color="red" role="alert" title="Could not log out">
          {state.message}
          <Button mt="sm" variant="default" onClick={() => setState('working')}>Try again</Button>
        </Alert>
      )}
      {state === 'done' && (
        <>
          <Text>Your session on this browser has ended.</Text>
          <Group><Button component={Link} to="/login">Log in again</Button></Group>
        </>
      )}
    </AuthCard>
  );
}
