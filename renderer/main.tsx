import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { chooseApi } from './api/chooseApi';
import { chooseHost } from './host/chooseHost';
import './styles.css';

const { api, label } = chooseApi();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App api={api} host={chooseHost()} apiLabel={label} />
  </StrictMode>,
);
