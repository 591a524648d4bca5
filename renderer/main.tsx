import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { chooseApi } from './api/chooseApi';
import { browserHost } from './host/host';
import './styles.css';

const { api, label } = chooseApi();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App api={api} host={browserHost} apiLabel={label} />
  </StrictMode>,
);
