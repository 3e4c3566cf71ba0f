// The part of monday.com's GraphQL schema the fake serves (names and argument lists as in @mondaydotcomorg/api's generated types).
import { buildSchema } from 'graphql';

/** Column types the fake's boards can have (a subset of monday's ColumnType). */
export const FAKE_COLUMN_TYPES = ['name', 'text', 'long_text', 'numbers', 'status', 'date'] as const;
export type FakeColumnType = (typeof FAKE_COLUMN_TYPES)[number];

export const MONDAY_SCHEMA = buildSchema(`
  "A JSON value; column_values is sent as a JSON-encoded string."
  scalar JSON
  scalar Date

  enum State { active all archived deleted }
  enum ColumnType { ${FAKE_COLUMN_TYPES.join(' ')} }

  type Query {
    me: User
    boards(ids: [ID!], limit: Int = 25, page: Int = 1, state: State = active): [Board]
    items(ids: [ID!], limit: Int = 25, page: Int = 1, exclude_nonactive: Boolean, newest_first: Boolean): [Item]
    items_page_by_column_values(board_id: ID!, columns: [ItemsPageByColumnValuesQuery!], cursor: String, limit: Int! = 25): ItemsResponse!
    complexity: Complexity
  }

  type Mutation {
    create_item(board_id: ID!, item_name: String!, group_id: String, column_values: JSON, create_labels_if_missing: Boolean): Item
    change_multiple_column_values(item_id: ID, board_id: ID!, column_values: JSON!, create_labels_if_missing: Boolean): Item
    change_simple_column_value(item_id: ID, board_id: ID!, column_id: String!, value: String, create_labels_if_missing: Boolean): Item
    complexity: Complexity
  }

  input ItemsPageByColumnValuesQuery {
    column_id: String!
    column_values: [String]!
  }

  type ItemsResponse {
    cursor: String
    items: [Item!]!
  }

  type Item {
    id: ID!
    name: String!
    state: State
    board: Board
    column_values(ids: [String!]): [ColumnValue!]!
    created_at: Date
    updated_at: Date
  }

  type ColumnValue {
    id: ID!
    type: ColumnType!
    text: String
    "JSON-encoded, as monday returns it."
    value: JSON
    column: Column!
  }

  type Board {
    id: ID!
    name: String!
    state: State!
    columns(ids: [String]): [Column]
  }

  type Column {
    id: ID!
    title: String!
    type: ColumnType!
    settings_str: String!
    archived: Boolean!
  }

  type Complexity {
    before: Int!
    after: Int!
    query: Int!
    reset_in_x_seconds: Int!
  }

  type User {
    id: ID!
    name: String!
    email: String!
  }
`);
